using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Automation rules, events, workflows and lifecycle, end to end.</summary>
public class AutomationTests
{
    private static Dictionary<string, string?> Manual => new() { ["Hosting:LocalTriggers"] = "false" };

    private static object EnrollRule(object trigger, object sender, int delayMinutes = 0) => new { trigger, action = "enroll", delayMinutes, sender };

    [Fact]
    public async Task A_form_submission_enrolls_after_the_rules_delay_even_across_a_restart()
    {
        var prefix = AzuriteServer.UniquePrefix();
        string seq;

        // Submitted 29 minutes 52 seconds ago: the rule's 30 minutes are up in about 8 seconds.
        var submittedAt = DateTimeOffset.UtcNow.AddMinutes(-30).AddSeconds(8);
        await using (var app = await StartAsync(prefix, Manual))
        {
            await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
            seq = await app.CreateSequenceAsync([MailStep("PT0S", "Thanks for reaching out", "Hi")]);
            await app.PostAsync($"/api/sequences/{seq}/automation", EnrollRule(new { type = "formSubmission", formId = "demo" }, new { type = "user", userId = "u1" }, 30), 201);

            // An unknown contact, given by email, is created from the event.
            var accepted = await app.PostAsync("/api/events/form-submissions",
                new { formId = "demo", contactId = "lead-1", email = $"lead.{prefix}@buyer.test", fields = new { firstName = "Lea" }, submittedAt }, 202);
            Assert.False(string.IsNullOrEmpty(accepted.GetProperty("eventId").GetString()));
            await app.DrainAsync("inbound");

            Assert.Equal("Lea", (await app.GetAsync("/api/contacts/lead-1")).GetProperty("firstName").GetString());
            var pending = (await app.GetAsync("/api/contacts/lead-1/timeline")).GetProperty("items")[0];
            Assert.Equal("pendingEnrollment", pending.GetProperty("type").GetString());
            Assert.Equal("pending", pending.GetProperty("status").GetString());
            Assert.Equal(submittedAt.AddMinutes(30), pending.GetProperty("dueAt").GetDateTimeOffset(), TimeSpan.FromSeconds(1));
            Assert.Equal(0, (await app.GetAsync("/api/contacts/lead-1/enrollments")).GetProperty("count").GetInt32());
        }

        // Another process runs the workflow: its durable timer still fires, and the contact is enrolled then, not before.
        await using (var app = await StartAsync(prefix))
        {
            var enrolled = await Eventually.ValueAsync(() => app.GetAsync("/api/contacts/lead-1/enrollments"),
                e => e.GetProperty("count").GetInt32() == 1, TimeSpan.FromSeconds(60), "the delayed enrollment");
            Assert.Equal("u1", enrolled.GetProperty("items")[0].GetProperty("senderUserId").GetString());
            Assert.True(enrolled.GetProperty("items")[0].GetProperty("enrolledAt").GetDateTimeOffset() >= submittedAt.AddMinutes(30), "enrolled before the rule's delay");
            // The pending record is marked enrolled right after the enrollment is written (a second write): wait for it too.
            static string PendingStatus(System.Text.Json.JsonElement timeline) =>
                timeline.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "pendingEnrollment").GetProperty("status").GetString()!;
            await Eventually.ValueAsync(() => app.GetAsync("/api/contacts/lead-1/timeline"), t => PendingStatus(t) == "enrolled", TimeSpan.FromSeconds(30),
                "the pending enrollment marked enrolled");
            await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync($"lead.{prefix}@buyer.test", 1, TimeSpan.FromSeconds(30), default);
        }
    }

    [Fact]
    public async Task A_page_view_unenrolls_and_cancels_a_pending_enrollment_into_the_same_sequence()
    {
        await using var app = await StartAsync(settings: Manual);
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var enrollment = await app.EnrollAsync(seq);
        await app.PostAsync($"/api/sequences/{seq}/automation", new { trigger = new { type = "pageView", url = "/pricing", match = "contains" }, action = "unenroll" }, 201);

        await app.PostAsync("/api/events/page-views", new { url = "https://ACME.test/en/pricing/?plan=pro#top", contactId = "c1" }, 202);
        await app.DrainAsync("inbound");

        var ended = await app.EnrollmentAsync(enrollment);
        Assert.Equal("WORKFLOW", ended.GetProperty("endReason").GetString());

        // A page that does not match changes nothing for another contact.
        await app.SeedPeopleAsync("c2");
        var other = await app.EnrollAsync(seq, "c2");
        await app.PostAsync("/api/events/page-views", new { url = "https://acme.test/blog", contactId = "c2" }, 202);
        await app.DrainAsync("inbound");
        Assert.Equal("active", (await app.EnrollmentAsync(other)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_contact_owner_rule_sends_as_the_user_the_contacts_property_names_by_id_or_email()
    {
        await using var app = await StartAsync(settings: Manual);
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        await app.PutAsync("/api/users/sam", new { email = "Sam@Acme.test", name = "Sam Seller" });
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        await app.PostAsync($"/api/sequences/{seq}/automation", EnrollRule(new { type = "formSubmission" }, new { type = "contactOwner" }), 201);
        await app.PostAsync($"/api/sequences/{seq}/automation", EnrollRule(new { type = "pageView", url = "https://acme.test/demo" }, new { type = "contactOwner", property = "salesRep" }), 201);
        await app.PutAsync("/api/contacts/a", new { email = $"a.{app.Prefix}@buyer.test", ownerUserId = "u1" });
        await app.PutAsync("/api/contacts/b", new { email = $"b.{app.Prefix}@buyer.test", properties = new { salesRep = "sam@acme.test" } });

        await app.PostAsync("/api/events/form-submissions", new { formId = "any-form", contactId = "a" }, 202);
        await app.PostAsync("/api/events/page-views", new { url = "https://acme.test/demo/", email = $"b.{app.Prefix}@buyer.test" }, 202);
        await app.DrainAsync("inbound");

        Assert.Equal("u1", (await app.GetAsync("/api/contacts/a/enrollments")).GetProperty("items")[0].GetProperty("senderUserId").GetString());
        Assert.Equal("sam", (await app.GetAsync("/api/contacts/b/enrollments")).GetProperty("items")[0].GetProperty("senderUserId").GetString());
    }

    [Fact]
    public async Task A_rule_that_cannot_enroll_records_the_failure_with_its_code_and_the_same_event_twice_is_processed_once()
    {
        await using var app = await StartAsync(settings: Manual);
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var rule = (await app.PostAsync($"/api/sequences/{seq}/automation", EnrollRule(new { type = "formSubmission" }, new { type = "user", userId = "u1" }), 201)).GetProperty("id").GetString();
        var contacts = app.Get<IContactStore>();
        var c = (await contacts.GetAsync("c1", default))!;
        await contacts.UpsertAsync(c.Value with { Unsubscribed = true }, c.ETag, default);

        await app.PostAsync("/api/events/form-submissions", new { formId = "f", contactId = "c1", eventId = "evt-42" }, 202);
        await app.PostAsync("/api/events/form-submissions", new { formId = "f", contactId = "c1", eventId = "evt-42" }, 202);
        await app.DrainAsync("inbound");

        var failures = await app.GetAsync($"/api/automation/{rule}/failures");
        Assert.Equal(1, failures.GetProperty("count").GetInt32());
        Assert.Equal("CONTACT_UNSUBSCRIBED", failures.GetProperty("items")[0].GetProperty("code").GetString());
        var timeline = await app.GetAsync("/api/contacts/c1/timeline");
        Assert.Contains(timeline.GetProperty("items").EnumerateArray(), i => i.GetProperty("type").GetString() == "automationFailed" && i.GetProperty("code").GetString() == "CONTACT_UNSUBSCRIBED");
    }

    [Fact]
    public async Task Rules_are_read_edited_disabled_and_deleted()
    {
        await using var app = await StartAsync(settings: Manual);
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var bad = await app.PostAsync($"/api/sequences/{seq}/automation", EnrollRule(new { type = "pageView", url = "/x" }, new { type = "user", userId = "ghost" }), 400);
        Assert.Equal("VALIDATION_FAILED", bad.GetProperty("code").GetString());
        var rule = await app.PostAsync($"/api/sequences/{seq}/automation", EnrollRule(new { type = "formSubmission", formId = "demo" }, new { type = "user", userId = "u1" }), 201);
        var id = rule.GetProperty("id").GetString();
        Assert.Equal("demo", (await app.GetAsync($"/api/automation/{id}")).GetProperty("trigger").GetProperty("formId").GetString());

        var disabled = await app.PutAsync($"/api/automation/{id}", new { trigger = new { type = "formSubmission", formId = "demo" }, action = "enroll", sender = new { type = "user", userId = "u1" }, enabled = false });
        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        await app.PostAsync("/api/events/form-submissions", new { formId = "demo", contactId = "c1" }, 202);
        await app.DrainAsync("inbound");
        Assert.Equal(0, (await app.GetAsync("/api/contacts/c1/enrollments")).GetProperty("count").GetInt32());

        Assert.Equal(1, (await app.GetAsync($"/api/sequences/{seq}/automation")).GetProperty("count").GetInt32());
        Assert.Equal(204, (int)(await app.Client.DeleteAsync($"api/automation/{id}")).StatusCode);
        Assert.Equal("RULE_NOT_FOUND", (await app.GetAsync($"/api/automation/{id}", 404)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Workflows_enroll_with_the_contact_owner_and_unenroll_with_reason_workflow()
    {
        await using var app = await StartAsync(settings: Manual);
        await app.PutAsync("/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep" });
        await app.PutAsync("/api/contacts/w", new { email = $"w.{app.Prefix}@buyer.test", ownerUserId = "u1" });
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);

        var enrolled = await app.PostAsync("/api/workflows/enroll", new { sequenceId = seq, contactId = "w" }, 201);
        Assert.Equal("u1", enrolled.GetProperty("senderUserId").GetString());
        var again = await app.PostAsync("/api/workflows/enroll", new { sequenceId = seq, contactId = "w" }, 409);
        Assert.Equal("ALREADY_ENROLLED", again.GetProperty("code").GetString());

        var un = await app.PostAsync("/api/workflows/unenroll", new { sequenceId = seq, contactId = "w" });
        Assert.True(un.GetProperty("unenrolled").GetBoolean());
        Assert.Equal("WORKFLOW", (await app.EnrollmentAsync(enrolled.GetProperty("id").GetString()!)).GetProperty("endReason").GetString());
        Assert.False((await app.PostAsync("/api/workflows/unenroll", new { sequenceId = seq, contactId = "w" })).GetProperty("unenrolled").GetBoolean());
    }

    [Fact]
    public async Task Deactivating_a_user_ends_what_they_send_and_they_can_no_longer_send()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var enrollment = await app.EnrollAsync(seq);
        await app.PostAsync("/api/users/u1/deactivate", expect: 202);
        var ended = await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "unenrolled", "SENDER_DEACTIVATED");
        Assert.Equal("SENDER_DEACTIVATED", ended.GetProperty("endReason").GetString());
        Assert.False((await app.GetAsync("/api/users/u1")).GetProperty("active").GetBoolean());
        Assert.Equal("SENDER_INACTIVE", (await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c1", senderUserId = "u1" }, 422)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Deleting_a_sequence_with_2000_enrollments_ends_them_all_and_keeps_its_history()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P7D", "Hi", "b")]);
        await app.PostAsync($"/api/sequences/{seq}/automation", EnrollRule(new { type = "formSubmission" }, new { type = "user", userId = "u1" }), 201);

        // 2,000 enrollments written straight to storage (enrolling them through the API is not what is tested here).
        var store = app.Get<IEnrollmentStore>();
        var index = app.Get<IEnrollmentIndex>();
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var enrollment = new Enrollment
            {
                Id = Sequences.Core.Engine.Ids.Enrollment(seq, $"bulk{i:D5}"),
                SequenceId = seq,
                ContactId = $"bulk-{i}",
                SenderUserId = "u1",
                FromAddress = "rita@acme.test",
                Status = i % 10 == 0 ? EnrollmentStatus.Paused : EnrollmentStatus.Active,
                Phase = StepPhase.Waiting,
                CurrentStep = 1,
                DueAt = now.AddDays(7),
                Revision = 1,
                EnrolledAt = now,
                PausedAt = i % 10 == 0 ? now : null,
            };
            await index.BeforeWriteAsync(null, enrollment, ct);
            await store.CreateAsync(enrollment, ct);
        });

        var started = DateTimeOffset.UtcNow;
        var accepted = await app.SendAsync(HttpMethod.Delete, $"/api/sequences/{seq}", expect: 202);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5), "the delete request waited for the work");
        Assert.NotNull(accepted.GetProperty("deletedAt").GetString());

        await Eventually.TrueAsync(async () =>
            (await app.GetAsync($"/api/sequences/{seq}/enrollments?status=active")).GetProperty("count").GetInt32() == 0
            && (await app.GetAsync($"/api/sequences/{seq}/enrollments?status=paused")).GetProperty("count").GetInt32() == 0,
            TimeSpan.FromMinutes(3), "every enrollment ended");

        var stats = await app.GetAsync($"/api/sequences/{seq}/stats");
        Assert.Equal(2000, stats.GetProperty("enrolled").GetInt32());
        Assert.Equal(2000, stats.GetProperty("unenrolledByReason").GetProperty("SEQUENCE_DELETED").GetInt32());
        Assert.Equal(0, (await app.GetAsync($"/api/sequences/{seq}/automation")).GetProperty("count").GetInt32());
        Assert.Equal("SEQUENCE_DELETED", (await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c1", senderUserId = "u1" }, 409)).GetProperty("code").GetString());
        Assert.Equal("SEQUENCE_DELETED", (await app.PutAsync($"/api/sequences/{seq}", new { name = "x", ownerUserId = "u1", steps = new[] { MailStep("P1D", "s", "b") } }, 409)).GetProperty("code").GetString());
        Assert.NotNull((await app.GetAsync($"/api/sequences/{seq}")).GetProperty("deletedAt").GetString());
    }
}
