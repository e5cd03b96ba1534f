using System.Net;
using System.Text.Json;
using Sequences.Core.Ports;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Enrollment options, rules and their codes, through the HTTP API.</summary>
public class EnrollmentOptionsTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private string _seq = "";

    public async Task InitializeAsync()
    {
        _app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        await _app.SeedPeopleAsync();
        await _app.PutAsync("/api/users/u2", new { email = "sam@acme.test", name = "Sam Seller", mailboxes = new[] { "sam@acme.test", "team@acme.test" } });
        _seq = await _app.CreateSequenceAsync([
            MailStep("PT0S", "Hi {{ contact.firstName }}", "Body"),
            TaskStep("call", "P1D", "Call"),
            MailStep("P3D", null, "Later"),
        ]);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<JsonElement> Enroll(object body, int expect) => _app.PostAsync($"/api/sequences/{_seq}/enrollments", body, expect);

    private async Task ExpectCode(object body, int status, string code)
    {
        var problem = await Enroll(body, status);
        Assert.Equal(code, problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Start_at_step_skips_the_earlier_steps_in_the_timeline()
    {
        var e = await Enroll(new { contactId = "c1", senderUserId = "u1", startAtStep = 3 }, 201);
        Assert.Equal(3, e.GetProperty("currentStep").GetInt32());
        var types = e.GetProperty("events").EnumerateArray().Select(x => x.GetProperty("type").GetString()).ToList();
        Assert.Equal(["enrolled", "stepSkipped", "stepSkipped"], types);
    }

    [Fact]
    public async Task Send_later_and_the_time_zone_are_kept()
    {
        var at = DateTimeOffset.UtcNow.AddDays(2);
        var e = await Enroll(new { contactId = "c1", senderUserId = "u1", sendFirstAt = at, timeZone = "America/New_York" }, 201);
        Assert.Equal(at, e.GetProperty("nextActionAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.Equal("America/New_York", e.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task A_first_task_step_created_immediately_is_due_now_not_after_its_delay()
    {
        var taskFirst = await _app.CreateSequenceAsync([TaskStep("call", "P2D", "Call"), MailStep("P1D", "Hi", "b")]);
        var before = DateTimeOffset.UtcNow;
        var e = await _app.PostAsync($"/api/sequences/{taskFirst}/enrollments", new { contactId = "c1", senderUserId = "u1", createTaskImmediately = true }, 201);
        Assert.InRange(e.GetProperty("nextActionAt").GetDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        await _app.PutAsync("/api/contacts/c8", new { email = $"c8.{_app.Prefix}@buyer.test", firstName = "Cy" });
        var onEmail = await Enroll(new { contactId = "c8", senderUserId = "u1", createTaskImmediately = true }, 400);
        Assert.Equal("VALIDATION_FAILED", onEmail.GetProperty("code").GetString());
        Assert.True(onEmail.GetProperty("errors").TryGetProperty("createTaskImmediately", out _));

        // In a bulk enrollment the same item is refused for the same reason (not for a send slot it was given).
        var bulk = await _app.PostAsync($"/api/sequences/{_seq}/enrollments/batch", new { senderUserId = "u1", createTaskImmediately = true, contacts = new[] { new { contactId = "c8" } } });
        var error = bulk.GetProperty("results")[0].GetProperty("error");
        Assert.Contains("only a task step", error.GetProperty("errors").GetProperty("createTaskImmediately")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_from_address_must_be_one_of_the_senders_mailboxes()
    {
        var e = await Enroll(new { contactId = "c1", senderUserId = "u2", fromAddress = "team@acme.test" }, 201);
        Assert.Equal("team@acme.test", e.GetProperty("fromAddress").GetString());
        await _app.PutAsync("/api/contacts/c9", new { email = $"c9.{_app.Prefix}@buyer.test" });
        await ExpectCode(new { contactId = "c9", senderUserId = "u2", fromAddress = "ceo@acme.test" }, 422, "SENDER_MAILBOX_NOT_CONNECTED");
    }

    [Fact]
    public async Task Every_refusal_has_its_code_and_enrolls_nothing()
    {
        await _app.PutAsync("/api/contacts/noemail", new { firstName = "No" });
        await _app.PutAsync("/api/contacts/bounced", new { email = $"b.{_app.Prefix}@buyer.test" });
        await _app.PutAsync("/api/contacts/unsub", new { email = $"u.{_app.Prefix}@buyer.test" });
        var contacts = _app.Get<IContactStore>();
        foreach (var (id, bounced) in new[] { ("bounced", true), ("unsub", false) })
        {
            var c = (await contacts.GetAsync(id, default))!;
            await contacts.UpsertAsync(c.Value with { Bounced = bounced, Unsubscribed = !bounced }, c.ETag, default);
        }

        await _app.PutAsync("/api/users/gone", new { email = "gone@acme.test", name = "Gone", active = false });
        await _app.PutAsync("/api/users/outsider", new { email = "out@acme.test", name = "Out" });
        var privateSeq = (await _app.PostAsync("/api/sequences", new { name = "Private", ownerUserId = "u1", steps = new[] { MailStep("PT0S", "s", "b") } }, 201)).GetProperty("id").GetString();
        var tokenSeq = await _app.CreateSequenceAsync([MailStep("PT0S", "Hi", "{{ meetingLink }} {{ contact.jobTitle }}")]);

        await ExpectCode(new { contactId = "ghost", senderUserId = "u1" }, 404, "CONTACT_NOT_FOUND");
        await ExpectCode(new { contactId = "noemail", senderUserId = "u1" }, 422, "CONTACT_HAS_NO_EMAIL");
        await ExpectCode(new { contactId = "bounced", senderUserId = "u1" }, 422, "CONTACT_PREVIOUSLY_BOUNCED");
        await ExpectCode(new { contactId = "unsub", senderUserId = "u1" }, 422, "CONTACT_UNSUBSCRIBED");
        await ExpectCode(new { contactId = "c1", senderUserId = "ghost" }, 404, "SENDER_NOT_FOUND");
        await ExpectCode(new { contactId = "c1", senderUserId = "gone" }, 422, "SENDER_INACTIVE");
        await ExpectCode(new { contactId = "c1", senderUserId = "u1", startAtStep = 4 }, 422, "INVALID_START_STEP");
        await ExpectCode(new { contactId = "c1", senderUserId = "u1", timeZone = "Mars/Base" }, 422, "INVALID_TIME_ZONE");
        await ExpectCode(new { contactId = "c1", senderUserId = "u1", delayOverrides = new Dictionary<string, string> { ["2"] = "tomorrow" } }, 400, "VALIDATION_FAILED");
        var refusedPrivate = await _app.PostAsync($"/api/sequences/{privateSeq}/enrollments", new { contactId = "c1", senderUserId = "outsider" }, 422);
        Assert.Equal("SEQUENCE_NOT_SHARED_WITH_SENDER", refusedPrivate.GetProperty("code").GetString());
        var missing = await _app.PostAsync($"/api/sequences/{tokenSeq}/enrollments", new { contactId = "c1", senderUserId = "u1" }, 422);
        Assert.Equal("MISSING_TOKEN_VALUES", missing.GetProperty("code").GetString());
        Assert.Equal(["contact.jobTitle", "meetingLink"], missing.GetProperty("missingTokens").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("meetingLink", missing.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(0, (await _app.GetAsync($"/api/sequences/{_seq}/enrollments")).GetProperty("count").GetInt32());
        Assert.Equal(0, await _app.WorkflowCountAsync());

        // Filled in (a contact property, an enrollment token), the same enrollment succeeds.
        await _app.PutAsync("/api/contacts/c1", new { email = $"c1.{_app.Prefix}@buyer.test", firstName = "Ann", properties = new { jobTitle = "CTO" } });
        await _app.PostAsync($"/api/sequences/{tokenSeq}/enrollments",
            new { contactId = "c1", senderUserId = "u1", tokens = new { meetingLink = "https://cal.test" } }, 201);
    }

    [Fact]
    public async Task Of_twenty_concurrent_enrollments_of_one_contact_into_two_sequences_exactly_one_wins()
    {
        var alpha = await _app.CreateSequenceAsync([MailStep("P1D", "A", "a")]);
        var beta = await _app.CreateSequenceAsync([MailStep("P1D", "B", "b")]);
        await _app.PutAsync("/api/contacts/race", new { email = $"race.{_app.Prefix}@buyer.test" });
        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var seq = i % 2 == 0 ? alpha : beta;
            using var response = await _app.Client.PostAsync($"api/sequences/{seq}/enrollments",
                System.Net.Http.Json.JsonContent.Create(new { contactId = "race", senderUserId = "u1" }));
            return (seq, response.StatusCode, Body: JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }));

        var winner = Assert.Single(attempts, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(attempts.Where(a => a.StatusCode != HttpStatusCode.Created), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.StatusCode);
            Assert.Equal("ALREADY_ENROLLED", a.Body.GetProperty("code").GetString());
            Assert.Equal(winner.seq, a.Body.GetProperty("sequenceId").GetString());
        });
        var listed = await _app.GetAsync("/api/contacts/race/enrollments");
        Assert.Equal(1, listed.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_retried_request_with_the_same_idempotency_key_returns_the_original_result()
    {
        await _app.PutAsync("/api/contacts/idem", new { email = $"idem.{_app.Prefix}@buyer.test", firstName = "Ida" });
        async Task<(HttpStatusCode, JsonElement, HttpResponseMessage)> Post(string key, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/sequences/{_seq}/enrollments")
            {
                Content = System.Net.Http.Json.JsonContent.Create(body),
                Headers = { { "Idempotency-Key", key } },
            };
            var response = await _app.Client.SendAsync(request);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone(), response);
        }

        var body = new { contactId = "idem", senderUserId = "u1" };
        var (s1, first, _) = await Post("key-1", body);
        var (s2, again, replay) = await Post("key-1", body);
        Assert.Equal(HttpStatusCode.Created, s1);
        Assert.Equal(HttpStatusCode.Created, s2);
        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, (await _app.GetAsync("/api/contacts/idem/enrollments")).GetProperty("count").GetInt32());

        var (s3, reused, _) = await Post("key-1", new { contactId = "idem", senderUserId = "u2" });
        Assert.Equal((HttpStatusCode)422, s3);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", reused.GetProperty("code").GetString());

        // A new key is a new request: the contact is already enrolled.
        var (s4, conflict, _) = await Post("key-2", body);
        Assert.Equal(HttpStatusCode.Conflict, s4);
        Assert.Equal("ALREADY_ENROLLED", conflict.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Task_overrides_change_the_task_title_and_waiting()
    {
        var seq = await _app.CreateSequenceAsync([TaskStep("call", "PT0S", "Call"), MailStep("PT1H", "After", "b")]);
        await _app.PutAsync("/api/contacts/to", new { email = $"to.{_app.Prefix}@buyer.test", firstName = "Tom" });
        var enrolled = await _app.PostAsync($"/api/sequences/{seq}/enrollments", new
        {
            contactId = "to",
            senderUserId = "u1",
            taskOverrides = new Dictionary<string, object> { ["1"] = new { title = "Ring {{ contact.firstName }} about pricing", continueWithoutCompleting = true } },
        }, 201);
        await _app.RunStepAsync(enrolled.GetProperty("id").GetString()!);
        var task = (await _app.GetAsync("/api/tasks?userId=u1&status=open")).GetProperty("items")[0];
        Assert.Equal("Ring Tom about pricing", task.GetProperty("title").GetString());
        var moved = await _app.EnrollmentAsync(enrolled.GetProperty("id").GetString()!);
        Assert.Equal(2, moved.GetProperty("currentStep").GetInt32());
        var refused = await _app.PostAsync($"/api/sequences/{seq}/enrollments", new
        {
            contactId = "c1",
            senderUserId = "u1",
            taskOverrides = new Dictionary<string, object> { ["2"] = new { title = "x" } },
        }, 400);
        Assert.Equal("VALIDATION_FAILED", refused.GetProperty("code").GetString());
    }
}

public class EnrollmentLifecycleCodeTests
{
    [Fact]
    public async Task Pausing_or_resuming_an_ended_enrollment_is_a_conflict()
    {
        await using var app = await TestApp.StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([TestApp.MailStep("P1D", "Hi", "b")]);
        var id = await app.EnrollAsync(seq);
        Assert.Equal("paused", (await app.PostAsync($"/api/enrollments/{id}/pause")).GetProperty("status").GetString());
        Assert.Equal("active", (await app.PostAsync($"/api/enrollments/{id}/resume")).GetProperty("status").GetString());
        await app.PostAsync($"/api/enrollments/{id}/unenroll");
        Assert.Equal("ENROLLMENT_ENDED", (await app.PostAsync($"/api/enrollments/{id}/pause", expect: 409)).GetProperty("code").GetString());
        Assert.Equal("ENROLLMENT_ENDED", (await app.PostAsync($"/api/enrollments/{id}/resume", expect: 409)).GetProperty("code").GetString());
    }
}
