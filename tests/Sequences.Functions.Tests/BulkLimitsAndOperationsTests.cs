using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Bulk enrollment, send limits, pause/resume by sequence and by sender, statistics.</summary>
public class BulkLimitsAndOperationsTests
{
    private static Dictionary<string, string?> NoTriggers => new() { ["Hosting:LocalTriggers"] = "false" };

    [Fact]
    public async Task Fifty_contacts_enroll_in_bulk_with_first_emails_at_least_20_seconds_apart()
    {
        await using var app = await StartAsync(settings: NoTriggers);
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        await app.PutAsync("/api/contacts/noemail", new { firstName = "No" });
        for (var i = 0; i < 48; i++)
        {
            await app.PutAsync($"/api/contacts/b{i}", new { email = $"b{i}.{app.Prefix}@buyer.test", firstName = $"B{i}" });
        }

        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Hi {{ contact.firstName }}", "{{ offer }}"), MailStep("P2D", null, "Again")]);
        var contacts = Enumerable.Range(0, 48).Select(i => (object)new { contactId = $"b{i}", tokens = i == 7 ? new { offer = "special" } : null })
            .Append(new { contactId = "ghost" }).Append(new { contactId = "noemail" }).ToList();
        var before = DateTimeOffset.UtcNow;
        var result = await app.PostAsync($"/api/sequences/{seq}/enrollments/batch", new { senderUserId = "u1", tokens = new { offer = "standard" }, contacts });

        Assert.True(result.TryGetProperty("results", out var resultsJson) && result.GetProperty("enrolled").GetInt32() == 48, result.ToString());
        var results = resultsJson.EnumerateArray().ToList();
        Assert.Equal(50, results.Count);
        Assert.Equal(48, result.GetProperty("enrolled").GetInt32());
        Assert.Equal("CONTACT_NOT_FOUND", results[48].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("CONTACT_HAS_NO_EMAIL", results[49].GetProperty("error").GetProperty("code").GetString());

        var planned = results.Take(48).Select(r => r.GetProperty("nextActionAt").GetDateTimeOffset()).ToList();
        Assert.InRange(planned[0], before.AddSeconds(-1), before.AddSeconds(5));
        for (var i = 1; i < planned.Count; i++)
        {
            Assert.True(planned[i] - planned[i - 1] >= TimeSpan.FromSeconds(20), $"slot {i} is {planned[i] - planned[i - 1]} after slot {i - 1}");
        }

        // Each enrollment shows its planned time too; a second bulk for the sender queues behind the first.
        var one = await app.EnrollmentAsync(results[10].GetProperty("enrollmentId").GetString()!);
        Assert.Equal(planned[10], one.GetProperty("nextActionAt").GetDateTimeOffset());
        await app.PutAsync("/api/contacts/late", new { email = $"late.{app.Prefix}@buyer.test", firstName = "Lee" });
        var second = await app.PostAsync($"/api/sequences/{seq}/enrollments/batch", new { senderUserId = "u1", tokens = new { offer = "x" }, contacts = new[] { new { contactId = "late" } } });
        Assert.True(second.GetProperty("results")[0].GetProperty("nextActionAt").GetDateTimeOffset() >= planned[^1].AddSeconds(20));

        var tooMany = await app.PostAsync($"/api/sequences/{seq}/enrollments/batch",
            new { senderUserId = "u1", contacts = Enumerable.Range(0, 51).Select(i => new { contactId = $"x{i}" }) }, 400);
        Assert.Equal("BATCH_TOO_LARGE", tooMany.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Enrolling_past_the_daily_limit_is_refused_with_when_capacity_frees_up()
    {
        await using var app = await StartAsync(settings: NoTriggers);
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep", dailySendLimit = 2 });
        for (var i = 0; i < 3; i++)
        {
            await app.PutAsync($"/api/contacts/c{i}", new { email = $"c{i}.{app.Prefix}@buyer.test" });
        }

        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1")]);
        await app.EnrollAsync(seq, "c0");
        await app.EnrollAsync(seq, "c1");
        var refused = await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c2", senderUserId = "u1" }, 422);
        Assert.Equal("SEND_LIMIT_REACHED", refused.GetProperty("code").GetString());
        var frees = refused.GetProperty("capacityFreesAt").GetDateTimeOffset();
        Assert.InRange(frees, DateTimeOffset.UtcNow.AddHours(22), DateTimeOffset.UtcNow.AddHours(25));
        Assert.Equal(0, (await app.GetAsync("/api/contacts/c2/enrollments")).GetProperty("count").GetInt32());

        // Unenrolling one gives its planned emails back.
        var first = (await app.GetAsync("/api/contacts/c0/enrollments")).GetProperty("items")[0].GetProperty("id").GetString();
        await app.PostAsync($"/api/enrollments/{first}/unenroll");
        await app.EnrollAsync(seq, "c2");
    }

    [Fact]
    public async Task A_send_that_finds_the_limit_lowered_waits_and_the_timeline_says_why()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT2S", "Soon", "1")]);
        var enrollment = await app.EnrollAsync(seq);
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep", dailySendLimit = 0 });

        var state = await app.WaitForEnrollmentAsync(enrollment,
            e => e.GetProperty("events").EnumerateArray().Any(x => x.GetProperty("type").GetString() == "sendDeferred"), "the deferral");
        var deferred = state.GetProperty("events").EnumerateArray().Last(x => x.GetProperty("type").GetString() == "sendDeferred");
        Assert.Equal("SEND_LIMIT_REACHED", deferred.GetProperty("reason").GetString());
        Assert.Contains("limit of 0", deferred.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("active", state.GetProperty("status").GetString());
        Assert.True(state.GetProperty("nextActionAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(12));
        Assert.Empty(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }

    [Fact]
    public async Task Pausing_a_sequence_pauses_every_enrollment_and_resuming_keeps_the_remaining_delay()
    {
        await using var app = await StartAsync();
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        var seq = await app.CreateSequenceAsync([MailStep("PT1H", "Later", "1")]);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await app.PutAsync($"/api/contacts/p{i}", new { email = $"p{i}.{app.Prefix}@buyer.test" });
            ids.Add(await app.EnrollAsync(seq, $"p{i}"));
        }

        var due = (await app.EnrollmentAsync(ids[0])).GetProperty("nextActionAt").GetDateTimeOffset();
        var accepted = await app.PostAsync($"/api/sequences/{seq}/pause", expect: 202);
        Assert.Equal("pause", accepted.GetProperty("operation").GetString());
        await Eventually.TrueAsync(async () => (await app.GetAsync($"/api/sequences/{seq}/enrollments?status=paused")).GetProperty("count").GetInt32() == 3,
            TimeSpan.FromSeconds(20), "all three paused");
        var paused = await app.EnrollmentAsync(ids[0]);
        Assert.False(paused.TryGetProperty("nextActionAt", out _));

        await Task.Delay(1500);
        await app.PostAsync($"/api/sequences/{seq}/resume", expect: 202);
        await Eventually.TrueAsync(async () => (await app.GetAsync($"/api/sequences/{seq}/enrollments?status=active")).GetProperty("count").GetInt32() == 3,
            TimeSpan.FromSeconds(20), "all three active again");
        var resumed = (await app.EnrollmentAsync(ids[0])).GetProperty("nextActionAt").GetDateTimeOffset();
        Assert.InRange(resumed - due, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        Assert.Equal(404, (int)(await app.Client.PostAsync("api/sequences/nope/pause", null)).StatusCode);
    }

    [Fact]
    public async Task Pausing_a_sender_pauses_their_enrollments_in_every_sequence_and_no_one_elses()
    {
        await using var app = await StartAsync();
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        await app.PutAsync("/api/users/u2", new { email = "sam@acme.test", name = "Sam" });
        var a = await app.CreateSequenceAsync([MailStep("PT1H", "A", "1")]);
        var b = await app.CreateSequenceAsync([MailStep("PT1H", "B", "1")]);
        foreach (var c in new[] { "x", "y", "z" })
        {
            await app.PutAsync($"/api/contacts/{c}", new { email = $"{c}.{app.Prefix}@buyer.test" });
        }

        var x = await app.EnrollAsync(a, "x", "u1");
        var y = await app.EnrollAsync(b, "y", "u1");
        var z = await app.EnrollAsync(a, "z", "u2");
        await app.PostAsync("/api/users/u1/sequences/pause", expect: 202);
        await Eventually.TrueAsync(async () =>
            (await app.EnrollmentAsync(x)).GetProperty("status").GetString() == "paused" && (await app.EnrollmentAsync(y)).GetProperty("status").GetString() == "paused",
            TimeSpan.FromSeconds(20), "u1's enrollments paused");
        Assert.Equal("active", (await app.EnrollmentAsync(z)).GetProperty("status").GetString());
        await app.PostAsync("/api/users/u1/sequences/resume", expect: 202);
        await Eventually.TrueAsync(async () => (await app.EnrollmentAsync(y)).GetProperty("status").GetString() == "active", TimeSpan.FromSeconds(20), "resumed");
    }

    [Theory]
    [InlineData(new[] { "pause", "resume" }, "active")]
    [InlineData(new[] { "pause", "resume", "pause" }, "paused")]
    [InlineData(new[] { "pause", "resume", "pause", "resume" }, "active")]
    public async Task A_sender_s_pauses_and_resumes_apply_in_the_order_they_were_accepted(string[] calls, string final)
    {
        await using var app = await StartAsync();
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep", dailySendLimit = 10_000 });
        var seq = await app.CreateSequenceAsync([MailStep("P3D", "A", "1")]);
        for (var b = 0; b < 3; b++)
        {
            for (var i = 0; i < 50; i++)
            {
                await app.PutAsync($"/api/contacts/p{b}-{i}", new { email = $"p{b}-{i}.{app.Prefix}@buyer.test" });
            }

            var batch = await app.PostAsync($"/api/sequences/{seq}/enrollments/batch",
                new { senderUserId = "u1", contacts = Enumerable.Range(0, 50).Select(i => new { contactId = $"p{b}-{i}" }) });
            Assert.Equal(50, batch.GetProperty("enrolled").GetInt32());
        }

        // Back to back, as a rep clicking pause and then resume.
        foreach (var call in calls)
        {
            await app.PostAsync($"/api/users/u1/sequences/{call}", expect: 202);
        }

        async Task<int> CountAsync(string status)
        {
            var count = 0;
            string? cursor = null;
            do
            {
                var page = await app.GetAsync($"/api/sequences/{seq}/enrollments?status={status}&limit=200" + (cursor is null ? "" : $"&cursor={cursor}"));
                count += page.GetProperty("count").GetInt32();
                cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            }
            while (cursor is not null);
            return count;
        }

        await Eventually.ValueAsync(async () => $"active {await CountAsync("active")}, paused {await CountAsync("paused")}, listed {await CountAsync("")}, stats {(await app.GetAsync($"/api/sequences/{seq}/stats")).GetRawText()[..120]}", c => c.Contains($"{final} 150", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"all 150 {final}");
        // Once the operations (second passes included) have all run: still all of them.
        var operations = app.Storage.Queue("operations");
        await Eventually.TrueAsync(async () => (await operations.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0, TimeSpan.FromSeconds(60), "the operations queue to empty");
        await Task.Delay(3000);
        Assert.Equal(150, await CountAsync(final));
    }

    [Fact]
    public async Task Statistics_count_every_enrollment_and_unenrolling_lowers_nothing()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync("c1");
        await app.SeedPeopleAsync("c2");
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), TaskStep("call", "PT1S", "Call"), MailStep("P1D", null, "3")]);
        var e1 = await app.EnrollAsync(seq, "c1");
        var e2 = await app.EnrollAsync(seq, "c2");
        await app.WaitForEnrollmentAsync(e1, e => e.GetProperty("currentStep").GetInt32() == 2 && e.GetProperty("events").EnumerateArray().Any(x => x.GetProperty("type").GetString() == "taskCreated"), "c1 at its task");
        await app.WaitForEnrollmentAsync(e2, e => e.GetProperty("events").EnumerateArray().Any(x => x.GetProperty("type").GetString() == "taskCreated"), "c2 at its task");

        var before = await app.GetAsync($"/api/sequences/{seq}/stats");
        await app.PostAsync($"/api/enrollments/{e2}/unenroll");
        var after = await app.GetAsync($"/api/sequences/{seq}/stats");

        Assert.Equal(2, after.GetProperty("enrolled").GetInt32());
        Assert.Equal(1, after.GetProperty("active").GetInt32());
        Assert.Equal(1, after.GetProperty("unenrolledByReason").GetProperty("MANUAL").GetInt32());
        foreach (var figure in new[] { "enrolled", "emailsSent", "tasksCreated" })
        {
            Assert.Equal(before.GetProperty(figure).GetInt32(), after.GetProperty(figure).GetInt32());
        }

        Assert.Equal(2, after.GetProperty("emailsSent").GetInt32());
        Assert.Equal(2, after.GetProperty("steps")[0].GetProperty("sent").GetInt32());
        Assert.Equal(2, after.GetProperty("steps")[1].GetProperty("tasksCreated").GetInt32());
        Assert.Equal("call", after.GetProperty("steps")[1].GetProperty("type").GetString());
        Assert.Single(await (await MailDevServer.SharedAsync()).MessagesToAsync(to, default));
    }
}
