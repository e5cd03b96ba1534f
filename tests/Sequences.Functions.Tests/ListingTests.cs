using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>The lists, search, the scheduled index, bulk actions by id, preview and If-Match, through the running app.</summary>
public class ListingTests
{
    private static List<string> Ids(JsonElement list) => list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task Contact_search_matches_name_prefixes_ignoring_case_accents_and_composition_and_pages_with_a_cursor()
    {
        await using var app = await StartAsync();
        await app.PutAsync("/api/contacts/m1", new { email = "m1@x.test", firstName = "Jürgen", lastName = "Müller" });
        await app.PutAsync("/api/contacts/m2", new { email = "m2@x.test", firstName = "Jo", lastName = "MÜLLER" });
        await app.PutAsync("/api/contacts/m3", new { email = "m3@x.test", firstName = "Jan", lastName = "Mu\u0308ller" });
        await app.PutAsync("/api/contacts/o1", new { email = "other@x.test", firstName = "Mia", lastName = "Mueller", company = "Müllerei GmbH" });
        await app.PutAsync("/api/contacts/o2", new { email = "o2@x.test", firstName = "Zed" });

        foreach (var q in new[] { "müller", "MULLER", "Mu\u0308l", "MÜLL" })
        {
            var found = await app.GetAsync($"/api/contacts?search={Uri.EscapeDataString(q)}");
            Assert.Equal(["m1", "m2", "m3", "o1"], Ids(found).Order());
        }

        Assert.Equal(["o1"], Ids(await app.GetAsync("/api/contacts?search=other%40x")));
        Assert.Equal(["m1"], Ids(await app.GetAsync("/api/contacts?search=j%C3%BCrgen%20m")));

        // Renamed: found by the new name only.
        await app.PutAsync("/api/contacts/o2", new { email = "o2@x.test", firstName = "Zoe" });
        Assert.Empty(Ids(await app.GetAsync("/api/contacts?search=zed")));
        Assert.Equal(["o2"], Ids(await app.GetAsync("/api/contacts?search=zoe")));

        // Paging: two at a time, every contact once.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await app.GetAsync("/api/contacts?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.True(page.GetProperty("count").GetInt32() <= 2);
            seen.AddRange(Ids(page));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(["m1", "m2", "m3", "o1", "o2"], seen);

        var bad = await app.ExpectProblemAsync(HttpMethod.Get, "/api/contacts?cursor=%25%25", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(bad.GetProperty("errors").TryGetProperty("cursor", out _));
        await app.ExpectProblemAsync(HttpMethod.Get, "/api/contacts?limit=500", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task Enrollments_list_by_status_and_sender_bulk_actions_report_each_item_and_stats_keep_counting()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync("c1");
        await app.PutAsync("/api/users/u2", new { email = "sam@acme.test", name = "Sam Rep" });
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "Hello {{ contact.firstName }}")]);
        var ids = new List<string>();
        for (var i = 1; i <= 4; i++)
        {
            await app.PutAsync($"/api/contacts/k{i}", new { email = $"k{i}.{app.Prefix}@buyer.test", firstName = $"Kim{i}", lastName = "Buyer" });
            ids.Add(await app.EnrollAsync(seq, $"k{i}", i <= 3 ? "u1" : "u2"));
        }

        var acted = await app.PostAsync("/api/enrollments/bulk", new { action = "pause", enrollmentIds = new[] { ids[0], ids[1], "nope" } });
        Assert.Equal(2, acted.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, acted.GetProperty("failed").GetInt32());
        var results = acted.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal("paused", results[0].GetProperty("status").GetString());
        Assert.Equal("ENROLLMENT_NOT_FOUND", results[2].GetProperty("error").GetProperty("code").GetString());

        var paused = await app.GetAsync($"/api/sequences/{seq}/enrollments?status=paused");
        Assert.Equal(ids[..2].Order(), Ids(paused).Order());
        var row = paused.GetProperty("items")[0];
        Assert.StartsWith("Kim", row.GetProperty("contactName").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("@buyer.test", row.GetProperty("contactEmail").GetString(), StringComparison.Ordinal);
        Assert.Equal([ids[2]], Ids(await app.GetAsync($"/api/sequences/{seq}/enrollments?status=active&senderUserId=u1")));
        Assert.Equal([ids[3]], Ids(await app.GetAsync($"/api/sequences/{seq}/enrollments?senderUserId=u2")));
        Assert.Equal(4, Ids(await app.GetAsync($"/api/sequences/{seq}/enrollments")).Count);

        var ended = await app.PostAsync("/api/enrollments/bulk", new { action = "unenroll", enrollmentIds = ids.Take(3).ToArray() });
        Assert.Equal(3, ended.GetProperty("succeeded").GetInt32());
        Assert.Equal(3, Ids(await app.GetAsync($"/api/sequences/{seq}/enrollments?status=unenrolled")).Count);
        var stats = await app.GetAsync($"/api/sequences/{seq}/stats");
        Assert.Equal(4, stats.GetProperty("enrolled").GetInt32());
        Assert.Equal(3, stats.GetProperty("unenrolled").GetInt32());

        // The sequences list shows the figures last computed.
        var listed = (await app.GetAsync("/api/sequences")).GetProperty("items").EnumerateArray().Single(s => s.GetProperty("id").GetString() == seq);
        Assert.Equal(4, listed.GetProperty("stats").GetProperty("enrolled").GetInt32());
        Assert.Equal(1, listed.GetProperty("stepCount").GetInt32());
        Assert.Contains("u2", Ids(await app.GetAsync("/api/users")));

        await app.ExpectProblemAsync(HttpMethod.Post, "/api/enrollments/bulk",
            JsonSerializer.Serialize(new { action = "pause", enrollmentIds = Enumerable.Range(0, 101).Select(i => $"x{i}") }), HttpStatusCode.BadRequest, "BATCH_TOO_LARGE");
        await app.ExpectProblemAsync(HttpMethod.Post, "/api/enrollments/bulk", """{"action":"archive","enrollmentIds":["a"]}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await app.ExpectProblemAsync(HttpMethod.Get, $"/api/sequences/{seq}/enrollments?status=done", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task The_scheduled_index_lists_each_active_next_step_in_a_time_range_and_drops_it_when_unenrolled()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync("c1");
        await app.PutAsync("/api/contacts/c2", new { email = $"c2.{app.Prefix}@buyer.test", firstName = "Bea", lastName = "Buyer" });
        var seq = await app.CreateSequenceAsync([TaskStep("call", "PT0S", "Call {{ contact.firstName }}"), MailStep("P1D", "Hi", "Hello")]);
        var later = DateTimeOffset.UtcNow.AddDays(3);
        var a = await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c1", senderUserId = "u1", sendFirstAt = later }, expect: 201);
        var b = await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c2", senderUserId = "u1", sendFirstAt = later.AddHours(1) }, expect: 201);

        var scheduled = await app.GetAsync($"/api/scheduled?userId=u1&to={Uri.EscapeDataString(later.AddDays(1).ToString("O"))}");
        var items = scheduled.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([a.GetProperty("id").GetString(), b.GetProperty("id").GetString()], items.Select(i => i.GetProperty("enrollmentId").GetString()));
        Assert.Equal("Ann Buyer", items[0].GetProperty("contactName").GetString());
        Assert.Equal("Outreach", items[0].GetProperty("sequenceName").GetString());
        Assert.Equal("call", items[0].GetProperty("type").GetString());
        Assert.Equal(a.GetProperty("nextActionAt").GetDateTimeOffset(), items[0].GetProperty("dueAt").GetDateTimeOffset());
        Assert.Empty((await app.GetAsync($"/api/scheduled?userId=u1&to={Uri.EscapeDataString(later.AddMinutes(-1).ToString("O"))}")).GetProperty("items").EnumerateArray());

        await app.PostAsync($"/api/enrollments/{a.GetProperty("id").GetString()}/unenroll");
        var after = (await app.GetAsync("/api/scheduled?userId=u1")).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("enrollmentId").GetString());
        Assert.Equal([b.GetProperty("id").GetString()], after);
        await app.ExpectProblemAsync(HttpMethod.Get, "/api/scheduled", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await app.ExpectProblemAsync(HttpMethod.Get, "/api/scheduled?userId=u1&from=tomorrow", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task The_preview_is_the_html_that_is_sent_with_the_edited_email_and_names_missing_tokens()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([
            MailStep("PT0S", "Hi {{ contact.firstName }}", "Original {{ meetingLink }}"),
            MailStep("P1D", null, "Follow-up {{ other }}"),
            TaskStep("call", "P1D", "Call {{ contact.fullName }}"),
        ]);
        var edited = new Dictionary<string, object> { ["1"] = new { subject = "For {{ contact.company }}", body = "<p>Edited for <b>{{ contact.firstName }}</b>: {{ meetingLink }}</p>" } };
        var preview = await app.PostAsync($"/api/sequences/{seq}/preview", new { contactId = "c1", senderUserId = "u1", tokens = new { meetingLink = "https://cal.test/r" }, emailOverrides = edited });
        Assert.Equal(["other"], preview.GetProperty("missingTokens").EnumerateArray().Select(t => t.GetString()));
        var steps = preview.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal("For Buyer Inc", steps[0].GetProperty("subject").GetString());
        Assert.Equal("Re: For Buyer Inc", steps[1].GetProperty("subject").GetString());
        Assert.Equal("Call Ann Buyer", steps[2].GetProperty("taskTitle").GetString());

        await app.PostAsync($"/api/sequences/{seq}/enrollments",
            new { contactId = "c1", senderUserId = "u1", tokens = new { meetingLink = "https://cal.test/r", other = "x" }, emailOverrides = edited }, expect: 201);
        var mail = Assert.Single(await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(30), default));
        Assert.Equal("For Buyer Inc", mail.Subject);
        static string WithoutToken(string html) => Regex.Replace(html, "unsubscribe/[^\"]+", "unsubscribe/…").ReplaceLineEndings("\n");
        Assert.Equal(WithoutToken(steps[0].GetProperty("html").GetString()!), WithoutToken(mail.HtmlBody!).TrimEnd('\n') + "\n");
        Assert.Contains("Edited for <b>Ann</b>", mail.HtmlBody, StringComparison.Ordinal);

        await app.ExpectProblemAsync(HttpMethod.Post, $"/api/sequences/{seq}/preview",
            """{"contactId":"c1","senderUserId":"u1","emailOverrides":{"3":{"body":"x"}}}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await app.ExpectProblemAsync(HttpMethod.Post, $"/api/sequences/{seq}/preview",
            """{"contactId":"c1","senderUserId":"u1","emailOverrides":{"1":{"body":"{{ x | nofilter }}"}}}""", HttpStatusCode.UnprocessableEntity, "INVALID_TEMPLATE");
    }

    [Fact]
    public async Task A_stale_if_match_is_refused_and_running_enrollments_keep_their_step_positions()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "One", "1"), TaskStep("call", "P1D", "Call")]);
        var (status, body, _) = await app.RawAsync(HttpMethod.Get, $"/api/sequences/{seq}", null);
        Assert.Equal(HttpStatusCode.OK, status);
        var version = body.GetProperty("version").GetInt32();

        object Definition(params object[] steps) => new { name = "Outreach", ownerUserId = "u1", sharedWithEveryone = true, settings = new { businessDaysOnly = false }, steps };
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"api/sequences/{seq}") { Content = System.Net.Http.Json.JsonContent.Create(Definition(MailStep("P1D", "One!", "1"), TaskStep("call", "P1D", "Call")), options: TestApp.Json) })
        {
            put.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\""));
            using var ok = await app.Client.SendAsync(put);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal($"\"{version + 1}\"", ok.Headers.ETag?.Tag);
        }

        using (var stale = new HttpRequestMessage(HttpMethod.Put, $"api/sequences/{seq}") { Content = System.Net.Http.Json.JsonContent.Create(Definition(MailStep("P1D", "Two", "1")), options: TestApp.Json) })
        {
            stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\""));
            using var refused = await app.Client.SendAsync(stale);
            Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
            Assert.Contains("PRECONDITION_FAILED", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await app.EnrollAsync(seq);
        await app.ExpectProblemAsync(HttpMethod.Put, $"/api/sequences/{seq}",
            JsonSerializer.Serialize(Definition(TaskStep("call", "P1D", "Call"), MailStep("P1D", "One", "1")), TestApp.Json), HttpStatusCode.Conflict, "STEPS_IN_USE");
        await app.ExpectProblemAsync(HttpMethod.Put, $"/api/sequences/{seq}",
            JsonSerializer.Serialize(Definition(MailStep("P1D", "One", "1")), TestApp.Json), HttpStatusCode.Conflict, "STEPS_IN_USE");
        await app.PutAsync($"/api/sequences/{seq}", Definition(MailStep("P1D", "One", "edited"), TaskStep("call", "P2D", "Call"), MailStep("P1D", "Three", "3")));
    }

    [Fact]
    public async Task Static_lists_keep_their_contacts_and_active_lists_find_the_contacts_matching_their_filters()
    {
        await using var app = await StartAsync();
        for (var i = 0; i < 6; i++)
        {
            await app.PutAsync($"/api/contacts/l{i}", new
            {
                email = $"l{i}@{(i < 4 ? "rail" : "shop")}.test", firstName = $"L{i}", company = i % 2 == 0 ? "Acme Rail" : null,
                properties = new Dictionary<string, string> { ["industry"] = i < 4 ? "Rail" : "retail" },
            });
        }

        var fixedList = await app.PostAsync("/api/lists", new { name = "Trade show", type = "static", contactIds = new[] { "l5", "l1", "l3", "l1" } }, expect: 201);
        Assert.Equal(3, fixedList.GetProperty("size").GetInt32());
        var members = await app.GetAsync($"/api/lists/{fixedList.GetProperty("id").GetString()}/contacts");
        Assert.Equal(["l1", "l3", "l5"], Ids(members));

        var active = await app.PostAsync("/api/lists", new
        {
            name = "Rail with a company", type = "active",
            filters = new object[] { new { property = "industry", @operator = "equals", value = "rail" }, new { property = "company", @operator = "isKnown" } },
        }, expect: 201);
        var activeId = active.GetProperty("id").GetString();
        Assert.Equal(["l0", "l2"], Ids(await app.GetAsync($"/api/lists/{activeId}/contacts")));

        // A contact that starts matching is in the list when it is next read.
        await app.PutAsync("/api/contacts/l1", new { email = "l1@rail.test", firstName = "L1", company = "Now Known", properties = new { industry = "rail" } });
        var first = await app.GetAsync($"/api/lists/{activeId}/contacts?limit=2");
        Assert.Equal(["l0", "l1"], Ids(first));
        Assert.Equal(["l2"], Ids(await app.GetAsync($"/api/lists/{activeId}/contacts?limit=2&cursor={first.GetProperty("nextCursor").GetString()}")));

        Assert.Equal(2, (await app.GetAsync("/api/lists")).GetProperty("count").GetInt32());
        await app.ExpectProblemAsync(HttpMethod.Get, "/api/lists/nope/contacts", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        var invalid = await app.ExpectProblemAsync(HttpMethod.Post, "/api/lists",
            """{"name":"x","type":"active","filters":[{"property":"industry","operator":"startsWith","value":"r"}]}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(invalid.GetProperty("errors").TryGetProperty("filters[0].operator", out _));
        await app.ExpectProblemAsync(HttpMethod.Post, "/api/lists", """{"name":"x","type":"static","contactIds":[]}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task A_list_is_renamed_and_deleted_and_its_contacts_stay()
    {
        await using var app = await StartAsync();
        await app.PutAsync("/api/contacts/r1", new { email = "r1@rail.test", firstName = "R1" });
        var id = (await app.PostAsync("/api/lists", new { name = "Trade show", type = "static", contactIds = new[] { "r1" } }, expect: 201)).GetProperty("id").GetString();

        var renamed = await app.SendAsync(HttpMethod.Patch, $"/api/lists/{id}", new { name = "  Trade show 2026 " });
        Assert.Equal("Trade show 2026", renamed.GetProperty("name").GetString());
        Assert.Equal(1, renamed.GetProperty("size").GetInt32());
        Assert.Equal("Trade show 2026", (await app.GetAsync($"/api/lists/{id}")).GetProperty("name").GetString());
        await app.ExpectProblemAsync(HttpMethod.Patch, $"/api/lists/{id}", """{"name":" "}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await app.ExpectProblemAsync(HttpMethod.Patch, "/api/lists/nope", """{"name":"x"}""", HttpStatusCode.NotFound, "LIST_NOT_FOUND");

        await app.SendAsync(HttpMethod.Delete, $"/api/lists/{id}", expect: 204);
        await app.ExpectProblemAsync(HttpMethod.Get, $"/api/lists/{id}", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        await app.ExpectProblemAsync(HttpMethod.Get, $"/api/lists/{id}/contacts", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        await app.ExpectProblemAsync(HttpMethod.Delete, $"/api/lists/{id}", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND");
        Assert.Equal(0, (await app.GetAsync("/api/lists")).GetProperty("count").GetInt32());
        Assert.Equal(0, await app.Storage.Table("Lists").QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == id).CountAsync());
        await app.GetAsync("/api/contacts/r1");
    }

    [Fact]
    public async Task Forms_and_property_names_in_use_are_listed_for_the_automation_screens()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "Hello")]);
        await app.PostAsync($"/api/sequences/{seq}/automation", new { trigger = new { type = "formSubmission", formId = "demo" }, action = "unenroll" }, expect: 201);
        await app.PostAsync("/api/events/form-submissions", new { formId = "pricing", email = "lea@buyer.test" }, expect: 202);
        // The submission is processed from the queue.
        var forms = await Eventually.ValueAsync(() => app.GetAsync("/api/forms"), f => f.GetProperty("count").GetInt32() == 2, TimeSpan.FromSeconds(30), "the submitted form to be listed");
        Assert.Equal(["demo", "pricing"], forms.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Contains("industry", (await app.GetAsync("/api/contact-properties")).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
    }
}
