using System.Text.Json;
using Sequences.Core.Engine;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>At-least-once delivery, competing workers and crashes never send an email twice or lose a step.</summary>
public class DurabilityTests
{
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(45);

    private static Dictionary<string, string?> NoLocalTriggers => new() { ["Hosting:LocalTriggers"] = "false" };

    [Fact]
    public async Task The_same_work_message_delivered_twice_at_once_sends_one_email()
    {
        await using var app = await StartAsync(settings: NoLocalTriggers);
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Only once", "1"), MailStep("P1D", null, "2")]);
        var enrollment = await app.EnrollAsync(seq);

        // Nothing consumes the queue in this app: take the step message off it by hand.
        var queue = app.Storage.Queue("work");
        var received = (await queue.ReceiveMessagesAsync(1)).Value.Single();
        var text = received.Body.ToString();
        Assert.Equal(enrollment, WorkMessage.Parse(text).EnrollmentId);

        // Deliver it twice concurrently, then twice more, through the Functions envelope.
        await Task.WhenAll(PostEnvelopeAsync(app, text), PostEnvelopeAsync(app, text));
        await Task.WhenAll(PostEnvelopeAsync(app, text), PostEnvelopeAsync(app, text));

        var maildev = await MailDevServer.SharedAsync();
        await maildev.WaitForMessagesToAsync(to, 1, MailWait, default);
        await Task.Delay(1000);
        Assert.Single(await maildev.MessagesToAsync(to, default));
        var state = await app.EnrollmentAsync(enrollment);
        Assert.Equal(2, state.GetProperty("currentStep").GetInt32());
        Assert.Single(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "emailSent");
    }

    [Fact]
    public async Task Two_app_processes_on_one_storage_send_every_email_exactly_once()
    {
        var prefix = AzuriteServer.UniquePrefix();
        await using var a = await StartAsync(prefix);
        await using var b = await StartAsync(prefix);
        await a.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        var seq = await a.CreateSequenceAsync([MailStep("PT0S", "Hi {{ contact.firstName }}", "1"), MailStep("PT1S", null, "2"), MailStep("PT1S", null, "3")]);
        var recipients = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var email = $"c{i}.{prefix}@buyer.test";
            recipients.Add(email);
            await a.PutAsync($"/api/contacts/c{i}", new { email, firstName = $"N{i}" });
        }

        // Enroll through both processes.
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? a : b).EnrollAsync(seq, $"c{i}")));

        var maildev = await MailDevServer.SharedAsync();
        foreach (var to in recipients)
        {
            await maildev.WaitForMessagesToAsync(to, 3, MailWait, default);
        }

        await Task.Delay(1500);
        foreach (var to in recipients)
        {
            var mails = await maildev.MessagesToAsync(to, default);
            Assert.Equal(3, mails.Count);
            Assert.Equal(3, mails.Select(m => m.MessageId).Distinct().Count());
        }
    }

    [Fact]
    public async Task A_message_that_always_fails_ends_in_the_poison_queue_without_blocking_others()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var queue = app.Storage.Queue("work");
        await queue.SendMessageAsync("this is not a work message");

        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Still flows", "1")]);
        await app.EnrollAsync(seq);
        await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, MailWait, default);

        var poison = app.Storage.Queue("work-poison");
        var poisoned = await Eventually.ValueAsync(async () => (await poison.PeekMessagesAsync(10)).Value,
            m => m.Length == 1, TimeSpan.FromSeconds(30), "the bad message in work-poison");
        Assert.Equal("this is not a work message", poisoned[0].Body.ToString());
        Assert.Equal($"{app.Prefix}-work-poison", poison.Name);
    }

    [Fact]
    public async Task After_a_crash_between_sending_and_recording_an_smtp_step_is_not_sent_again()
    {
        await using var app = await StartAsync(settings: NoLocalTriggers);
        var (to, enrollmentId, text) = await HeldStepAsync(app, leaseLeft: TimeSpan.FromSeconds(-1)); // its worker died right after sending

        await PostEnvelopeAsync(app, text);
        var state = await app.EnrollmentAsync(enrollmentId);
        Assert.Contains(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "emailOutcomeUnknown");
        Assert.Equal(2, state.GetProperty("currentStep").GetInt32());
        await Task.Delay(500);
        Assert.Empty(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }

    [Fact]
    public async Task An_unenroll_during_a_send_waits_for_it_and_nothing_leaves_afterwards()
    {
        await using var app = await StartAsync(settings: NoLocalTriggers);
        var (to, enrollmentId, text) = await HeldStepAsync(app, leaseLeft: TimeSpan.FromSeconds(3)); // a worker holds step 1 right now

        var started = DateTimeOffset.UtcNow;
        var ended = await app.PostAsync($"/api/enrollments/{enrollmentId}/unenroll");
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(2.5), "the unenroll was acknowledged while the step was held");
        Assert.Equal("unenrolled", ended.GetProperty("status").GetString());

        // The held message comes back (its worker died): it must not send now.
        await PostEnvelopeAsync(app, text);
        await Task.Delay(500);
        Assert.Empty(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }

    [Fact]
    public async Task A_timer_beyond_the_look_ahead_goes_through_the_schedule_index_and_still_fires()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Scheduling:LookAhead"] = "00:00:00" });
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("PT2S", null, "2")]);
        var enrollment = await app.EnrollAsync(seq);
        var maildev = await MailDevServer.SharedAsync();
        await maildev.WaitForMessagesToAsync(to, 1, MailWait, default);

        var index = app.Get<IScheduleIndex>();
        var pending = await Eventually.ValueAsync(() => index.GetDueAsync(DateTimeOffset.UtcNow.AddMinutes(1), 10, default),
            d => d.Count == 1, TimeSpan.FromSeconds(10), "the step-2 timer in the index");
        Assert.Equal(enrollment, pending[0].Message.EnrollmentId);

        await maildev.WaitForMessagesToAsync(to, 2, MailWait, default);
        await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "finished", "finish");
        Assert.Empty(await index.GetDueAsync(DateTimeOffset.UtcNow.AddMinutes(1), 10, default));
    }

    /// <summary>
    /// An enrollment whose first step a worker has claimed (the pre-send record), with its lease
    /// <paramref name="leaseLeft"/> from now, and the step's message taken off the queue.
    /// </summary>
    private static async Task<(string To, string EnrollmentId, string MessageText)> HeldStepAsync(TestApp app, TimeSpan leaseLeft)
    {
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("PT1S", null, "2")]);
        var enrollmentId = await app.EnrollAsync(seq);
        var text = (await app.Storage.Queue("work").ReceiveMessagesAsync(1)).Value.Single().Body.ToString();
        var store = app.Get<IEnrollmentStore>();
        var v = (await store.GetAsync(enrollmentId, default))!;
        await store.ReplaceAsync(v.Value with
        {
            Phase = StepPhase.Executing,
            ClaimRevision = v.Value.Revision,
            LeaseUntil = DateTimeOffset.UtcNow + leaseLeft,
            Revision = v.Value.Revision + 1,
        }, v.ETag, default);
        return (to, enrollmentId, text);
    }

    /// <summary>The Functions host serializes the envelope with PascalCase names.</summary>
    internal static readonly JsonSerializerOptions HostJson = new() { PropertyNamingPolicy = null };

    internal static async Task PostEnvelopeAsync(TestApp app, string messageText)
    {
        // As the host sends it: the queue message string, JSON-encoded once more inside Data.
        var envelope = new
        {
            Data = new Dictionary<string, object> { ["message"] = JsonSerializer.Serialize(messageText) },
            Metadata = new Dictionary<string, object> { ["DequeueCount"] = "1", ["Id"] = "\"abc\"", ["sys"] = new { MethodName = "WorkQueue", UtcNow = DateTimeOffset.UtcNow, RandGuid = Guid.NewGuid() } },
        };
        using var response = await app.Client.PostAsync("WorkQueue", System.Net.Http.Json.JsonContent.Create(envelope, options: HostJson));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
    }
}
