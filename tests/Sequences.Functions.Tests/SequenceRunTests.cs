using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>End to end: the HTTP API of the running app, real Azurite, real SMTP sink.</summary>
public class SequenceRunTests
{
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Three_emails_one_second_apart_arrive_in_order_with_tokens_and_headers()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([
            MailStep("PT0S", "Hello {{ contact.firstName }} at {{ contact.company }}", "Hi {{ contact.firstName }}, about {{ contact.properties.industry }}. {{ meetingLink }} -- {{ sender.name }}"),
            MailStep("PT1S", null, "Following up, {{ contact.firstName }}."),
            MailStep("PT1S", null, "Last note from {{ sender.firstName }}."),
        ]);
        var enrollment = await app.EnrollAsync(seq, tokens: new { meetingLink = "https://cal.test/rita?a=1&b=2" });

        var mails = await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 3, MailWait, default);
        Assert.Equal(3, mails.Count);
        Assert.Equal(["Hello Ann at Buyer Inc", "Re: Hello Ann at Buyer Inc", "Re: Hello Ann at Buyer Inc"], mails.Select(m => m.Subject));
        Assert.Contains("Hi Ann, about rail. https://cal.test/rita?a=1&b=2 -- Rita Rep", mails[0].TextBody, StringComparison.Ordinal);
        Assert.Contains("https://cal.test/rita?a=1&amp;b=2", mails[0].HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Following up, Ann.", mails[1].TextBody, StringComparison.Ordinal);
        Assert.Contains("Last note from Rita.", mails[2].TextBody, StringComparison.Ordinal);
        Assert.Equal("rita@acme.test", mails[0].From.Mailboxes.Single().Address);

        // Threading and one-click unsubscribe headers.
        Assert.Equal(mails[0].MessageId, mails[1].InReplyTo);
        Assert.Equal(mails[0].MessageId, mails[2].InReplyTo);
        foreach (var m in mails)
        {
            Assert.Matches($"^<{app.BaseUrl}unsubscribe/[^>]+>$", m.Headers["List-Unsubscribe"]);
            Assert.Equal("List-Unsubscribe=One-Click", m.Headers["List-Unsubscribe-Post"]);
        }

        Assert.Equal(3, mails.Select(m => m.MessageId).Distinct().Count());

        var done = await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "finished", "the enrollment to finish");
        Assert.Equal("FINISHED", done.GetProperty("endReason").GetString());
        var sent = done.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "emailSent").ToList();
        Assert.Equal(mails.Select(m => $"<{m.MessageId}>"), sent.Select(e => e.GetProperty("messageId").GetString()));
        Assert.Equal([1, 2, 3], sent.Select(e => e.GetProperty("step").GetInt32()));

        // Delays count from the previous send.
        var times = sent.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(1), $"step 2 came {times[1] - times[0]} after step 1");
        Assert.True(times[2] - times[1] >= TimeSpan.FromSeconds(1), $"step 3 came {times[2] - times[1]} after step 2");
    }

    [Fact]
    public async Task Unenrolling_stops_the_remaining_emails_and_a_second_unenroll_is_a_no_op()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("PT3S", null, "2"), MailStep("PT1S", null, "3")]);
        var enrollment = await app.EnrollAsync(seq);
        var maildev = await MailDevServer.SharedAsync();
        await maildev.WaitForMessagesToAsync(to, 1, MailWait, default);
        await app.WaitForEmailsRecordedAsync(enrollment);

        var ended = await app.PostAsync($"/api/enrollments/{enrollment}/unenroll");
        Assert.Equal("unenrolled", ended.GetProperty("status").GetString());
        Assert.Equal("MANUAL", ended.GetProperty("endReason").GetString());
        var again = await app.PostAsync($"/api/enrollments/{enrollment}/unenroll");
        Assert.Equal(ended.GetProperty("endedAt").GetDateTimeOffset(), again.GetProperty("endedAt").GetDateTimeOffset());

        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Single(await maildev.MessagesToAsync(to, default));
        var state = await app.EnrollmentAsync(enrollment);
        Assert.False(state.TryGetProperty("nextActionAt", out _));
        Assert.Single(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "unenrolled");
    }

    [Fact]
    public async Task A_task_step_waits_until_the_task_is_completed()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([
            MailStep("PT0S", "One", "1"),
            TaskStep("call", "PT1S", "Call {{ contact.firstName }}"),
            MailStep("PT1S", null, "3"),
        ]);
        var enrollment = await app.EnrollAsync(seq);
        var maildev = await MailDevServer.SharedAsync();

        var tasks = await Eventually.ValueAsync(() => app.GetAsync("/api/tasks?userId=u1&status=open"),
            t => t.GetProperty("count").GetInt32() == 1, TimeSpan.FromSeconds(20), "the call task");
        var task = tasks.GetProperty("items")[0];
        Assert.Equal("Call Ann", task.GetProperty("title").GetString());
        Assert.Equal("call", task.GetProperty("type").GetString());
        Assert.Equal(enrollment, task.GetProperty("enrollmentId").GetString());

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(await maildev.MessagesToAsync(to, default));
        var waiting = await app.EnrollmentAsync(enrollment);
        Assert.Equal(2, waiting.GetProperty("currentStep").GetInt32());

        var completed = await app.PostAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        await maildev.WaitForMessagesToAsync(to, 2, MailWait, default);
        await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "finished", "finish");
        Assert.Equal(0, (await app.GetAsync("/api/tasks?userId=u1&status=open")).GetProperty("count").GetInt32());
        // Completing again is harmless.
        await app.PostAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete");
    }

    [Fact]
    public async Task A_continue_without_completing_task_does_not_hold_the_sequence()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([
            TaskStep("linkedIn", "PT0S", continueWithoutCompleting: true),
            MailStep("PT1S", "After the task", "2"),
        ]);
        var enrollment = await app.EnrollAsync(seq);
        var mails = await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, MailWait, default);
        Assert.Equal("After the task", mails[0].Subject);
        var tasks = await app.GetAsync("/api/tasks?userId=u1&status=open");
        Assert.Equal("linkedIn", tasks.GetProperty("items")[0].GetProperty("type").GetString());
        await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "finished", "finish");
    }

    [Fact]
    public async Task Enrollments_are_listed_by_sequence_with_a_status_filter_and_by_contact()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync("c1");
        await app.SeedPeopleAsync("c2");
        // The first step is not due yet: an unenroll while its email is being sent would rightly be a 202.
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "One", "1"), MailStep("P1D", null, "2")]);
        var e1 = await app.EnrollAsync(seq, "c1");
        var e2 = await app.EnrollAsync(seq, "c2");
        await app.PostAsync($"/api/enrollments/{e2}/unenroll");

        var active = await app.GetAsync($"/api/sequences/{seq}/enrollments?status=active");
        Assert.Equal([e1], active.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        var all = await app.GetAsync($"/api/sequences/{seq}/enrollments");
        Assert.Equal(2, all.GetProperty("count").GetInt32());
        var byContact = await app.GetAsync("/api/contacts/c2/enrollments");
        Assert.Equal("unenrolled", byContact.GetProperty("items")[0].GetProperty("status").GetString());

        // A finished or unenrolled contact can be enrolled again; an active one cannot.
        await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c2", senderUserId = "u1" }, expect: 201);
        var conflict = await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c1", senderUserId = "u1" }, expect: 409);
        Assert.Equal("ALREADY_ENROLLED", conflict.GetProperty("code").GetString());
        Assert.Equal((seq, e1), (conflict.GetProperty("sequenceId").GetString(), conflict.GetProperty("enrollmentId").GetString()));
    }

    [Fact]
    public async Task The_first_email_waits_for_its_own_delay_and_next_action_at_says_when()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT2S", "Later", "1")]);
        var before = DateTimeOffset.UtcNow;
        var enrolled = await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c1", senderUserId = "u1" }, expect: 201);
        var next = enrolled.GetProperty("nextActionAt").GetDateTimeOffset();
        Assert.InRange(next, before.AddSeconds(1.5), before.AddSeconds(4));
        Assert.Equal(1, enrolled.GetProperty("currentStep").GetInt32());
        Assert.Equal("active", enrolled.GetProperty("status").GetString());
        var mails = await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, MailWait, default);
        Assert.True(mails[0].Date >= next.AddSeconds(-1));
    }
}
