using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class ListScreenTests(BrowserFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    /// <summary>
    /// 60 contacts match (one already in a sequence, one without an email) and one does not: the list's
    /// contacts go to the bulk endpoint as 50 and 10, the progress shows the first batch and reaches the
    /// total, the two refusals are summed up by code and the planned first sends are in the panel's zone.
    /// </summary>
    [BrowserFact("POST /api/lists")]
    public async Task An_active_list_s_contacts_are_all_enrolled_in_batches_of_50_with_progress_and_refusals_summed_up()
    {
        const int count = 60;
        var rita = await UserAsync();
        var sam = await UserAsync("sam", "America/New_York");
        var ned = await UserAsync("ned");
        var company = $"Acme {P}";
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 6 },
            async (i, _) => await ContactAsync($"c{i:00}", i % 2 == 0 ? $"{company} Rail" : $"The {company} Group"));
        await ContactAsync("zed", $"Other {P}");
        await App.PutAsync($"/api/contacts/{P}-c01", new { firstName = "Nomail", lastName = "Buyer", company });
        var other = await SequenceAsync(rita, $"Other {P}", Email("P1D", "Hi", "Hello"));
        await App.PostAsync($"/api/sequences/{other}/enrollments", new { contactId = $"{P}-c00", senderUserId = rita }, expect: 201);
        var seq = (await App.PostAsync("/api/sequences", new
        {
            name = $"List {P}", ownerUserId = rita, sharedWithUserIds = new[] { sam }, settings = new { businessDaysOnly = false },
            steps = new[] { Email("PT0S", "Hi {{ contact.firstName }}", "Hello"), Email("P3D", null, "Again") },
        }, expect: 201)).GetProperty("id").GetString()!;

        var page = await PageAsync(rita);
        var batches = new List<int>();
        page.Request += (_, r) =>
        {
            if (r.Method == "POST" && r.Url.EndsWith("/enrollments/batch", StringComparison.Ordinal))
            {
                batches.Add(JsonDocument.Parse(r.PostData!).RootElement.GetProperty("contacts").GetArrayLength());
            }
        };

        // The active list: company contains the tag (in capitals: case is ignored) and company is known.
        await page.GotoAsync("/#/lists");
        await HeadingAsync(page, "Lists");
        await page.GetByRole(AriaRole.Button, new() { Name = "New active list" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New active list" });
        await Expect(dialog.GetByLabel("List name")).ToBeFocusedAsync();
        await dialog.GetByLabel("List name").FillAsync(company);
        await dialog.GetByLabel("Filter 1 property").SelectOptionAsync("company");
        await dialog.GetByLabel("Filter 1 operator").SelectOptionAsync("contains");
        await dialog.GetByLabel("Filter 1 value").FillAsync(company.ToUpperInvariant());
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add filter" }).ClickAsync();
        await Expect(dialog.GetByLabel("Filter 2 property")).ToBeFocusedAsync();
        await dialog.GetByLabel("Filter 2 operator").SelectOptionAsync("isKnown");
        await Expect(dialog.GetByLabel("Filter 2 value")).ToBeHiddenAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add filter" }).ClickAsync();
        await ScreenAsync(page, "lists-new-active-list");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Remove filter 3" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Add filter" })).ToBeFocusedAsync();
        await Expect(dialog.GetByLabel("Filter 3 property")).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create list" }).ClickAsync();

        // The list's page: its contacts, counted in the background for "Select all".
        await HeadingAsync(page, company);
        var listId = Uri.UnescapeDataString(new Uri(page.Url).Fragment["#/lists/".Length..]);
        var definition = await GetAsync($"/api/lists/{listId}");
        Assert.Equal("active", definition.GetProperty("type").GetString());
        Assert.Equal(2, definition.GetProperty("filters").GetArrayLength());
        await Expect(page.GetByText($"Company contains \"{company.ToUpperInvariant()}\" and Company is known")).ToBeVisibleAsync();
        await Expect(page.Locator("tbody tr[data-contact]").First).ToBeVisibleAsync();
        var selectAll = page.GetByRole(AriaRole.Button, new() { Name = $"Select all {count} contacts" });
        await Expect(selectAll).ToBeEnabledAsync();
        await ScreenAsync(page, "list-page");
        await selectAll.ClickAsync();
        await Expect(page.GetByText($"All {count} contacts in this list are selected.")).ToBeVisibleAsync();
        var enroll = page.GetByRole(AriaRole.Button, new() { Name = $"Enroll {count} contacts in a sequence…" });
        await Expect(enroll).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        // The panel: senders are the users the sequence is shared with; times in the zone chosen.
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Sequence").SelectOptionAsync(seq);
        var panel = page.GetByRole(AriaRole.Dialog, new() { Name = $"Enroll {company} in List {P}" });
        var sender = panel.GetByLabel("Sender (users this sequence is shared with)");
        await Expect(sender.Locator("option")).ToHaveCountAsync(2);
        await Expect(sender.Locator($"option[value='{ned}']")).ToHaveCountAsync(0);
        await sender.SelectOptionAsync(sam);
        await Expect(panel.GetByLabel("Time zone")).ToHaveValueAsync("America/New_York");
        await panel.GetByLabel("Time zone").SelectOptionAsync("Asia/Tokyo");
        await panel.GetByRole(AriaRole.Button, new() { Name = $"Enroll {count} contacts" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog, new() { Name = $"Enroll {count} contacts" });
        await Expect(confirm).ToContainTextAsync("50 at a time");
        await page.EvaluateAsync("""
            () => {
              const text = document.querySelector('dialog.panel .progress-text'), bar = document.querySelector('dialog.panel progress');
              window.progressSeen = [];
              new MutationObserver(() => window.progressSeen.push(`${bar.value}|${text.textContent}`)).observe(text, { childList: true, characterData: true, subtree: true });
            }
            """);
        await confirm.GetByRole(AriaRole.Button, new() { Name = $"Enroll {count} contacts" }).ClickAsync();

        var progressText = panel.Locator(".progress-text");
        await Expect(progressText).ToHaveTextAsync($"Enrolled {count - 2} of {count}. 2 not enrolled.", new() { Timeout = 60_000 });
        await Expect(progressText).ToBeFocusedAsync();
        await Expect(panel.GetByRole(AriaRole.Progressbar, new() { Name = "Enrollment progress" })).ToHaveAttributeAsync("value", $"{count}");
        var seen = await page.EvaluateAsync<string[]>("() => window.progressSeen");
        Output.WriteLine(string.Join("\n", seen));
        Assert.Contains(seen, s => s.StartsWith("50|Enrolled ", StringComparison.Ordinal) && s.Contains($" of {count}…", StringComparison.Ordinal));
        Assert.Equal([50, 10], batches);

        await Expect(panel.Locator("li[data-code='ALREADY_ENROLLED']")).ToContainTextAsync("1 contact — C00 Buyer");
        await Expect(panel.Locator("li[data-code='CONTACT_HAS_NO_EMAIL']")).ToContainTextAsync("1 contact — Nomail Buyer");
        await Expect(panel.GetByRole(AriaRole.Columnheader, new() { Name = "First step (Asia/Tokyo)" })).ToBeVisibleAsync();
        var planned = (await PlannedTimesAsync(panel.Locator("table.bulk-results tbody time"))).Order().ToList();
        Assert.Equal(count - 2, planned.Count);
        for (var i = 1; i < planned.Count; i++)
        {
            Assert.Equal(TimeSpan.FromSeconds(20), planned[i] - planned[i - 1]);
        }

        await Expect(panel.Locator("table.bulk-results tbody time").First).ToContainTextAsync("Asia/Tokyo");
        await ScreenAsync(page, "list-enroll");

        var stats = await GetAsync($"/api/sequences/{seq}/stats");
        Assert.Equal(count - 2, stats.GetProperty("enrolled").GetInt32());
        var c59 = (await GetAsync($"/api/contacts/{P}-c59/enrollments")).GetProperty("items")[0];
        Assert.Equal(seq, c59.GetProperty("sequenceId").GetString());
        Assert.Equal(sam, c59.GetProperty("senderUserId").GetString());
        Assert.Equal("Asia/Tokyo", c59.GetProperty("timeZone").GetString());
        Assert.Empty((await GetAsync($"/api/contacts/{P}-zed/enrollments")).GetProperty("items").EnumerateArray());
    }

    [BrowserFact("POST /api/lists")]
    public async Task Contacts_selected_on_the_contacts_screen_become_a_static_list()
    {
        var rita = await UserAsync();
        var company = $"Static {P}";
        foreach (var name in new[] { "amy", "ben", "cat" })
        {
            await ContactAsync(name, company);
        }

        var page = await PageAsync(rita);
        await page.GotoAsync("/#/contacts");
        await HeadingAsync(page, "Contacts");
        await page.GetByLabel("Search contacts").FillAsync(company);
        await Expect(page.Locator("tbody tr[data-contact]")).ToHaveCountAsync(3);
        await page.GetByLabel("Select all on this page").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to new list" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Add to new list" });
        await Expect(dialog).ToContainTextAsync("3 selected contacts");
        await dialog.GetByLabel("List name").FillAsync($"Trade show {P}");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create list" }).ClickAsync();

        await HeadingAsync(page, $"Trade show {P}");
        await Expect(page.Locator("tbody tr[data-contact]")).ToHaveCountAsync(3);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Select all 3 contacts" })).ToBeEnabledAsync();
        var listId = Uri.UnescapeDataString(new Uri(page.Url).Fragment["#/lists/".Length..]);
        var definition = await GetAsync($"/api/lists/{listId}");
        Assert.Equal("static", definition.GetProperty("type").GetString());
        Assert.Equal(3, definition.GetProperty("size").GetInt32());

        var rail = (await App.PostAsync("/api/lists", new
        {
            name = $"Rail buyers {P}", type = "active", filters = new object[] { new { property = "industry", @operator = "equals", value = "rail" }, new { property = "email", @operator = "isKnown" } },
        }, expect: 201)).GetProperty("id").GetString()!;
        await page.GetByRole(AriaRole.Link, new() { Name = "← All lists" }).ClickAsync();
        await HeadingAsync(page, "Lists");
        var row = page.Locator($"tr[data-list='{listId}']");
        await Expect(row).ToContainTextAsync("Static");
        await Expect(row).ToContainTextAsync("3 contacts");
        var railCells = page.Locator($"tr[data-list='{rail}'] td");
        await Expect(railCells.Nth(1)).ToHaveTextAsync("Active");
        await Expect(railCells.Nth(2)).ToHaveTextAsync("industry equals \"rail\" and Email is known");
        await ScreenAsync(page, "lists");

        // Renamed, then deleted (confirmed); its contacts stay.
        await page.GotoAsync($"/#/lists/{Uri.EscapeDataString(listId)}");
        await HeadingAsync(page, $"Trade show {P}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        var rename = page.GetByRole(AriaRole.Dialog, new() { Name = "Rename list" });
        await rename.GetByLabel("List name").FillAsync($"Expo {P}");
        await rename.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await HeadingAsync(page, $"Expo {P}");
        Assert.Equal($"Expo {P}", (await GetAsync($"/api/lists/{listId}")).GetProperty("name").GetString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete list" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete list" });
        await Expect(confirm).ToContainTextAsync("Its contacts, and their enrollments, stay.");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete list" }).ClickAsync();
        await HeadingAsync(page, "Lists");
        await Expect(page.Locator($"tr[data-list='{listId}']")).ToHaveCountAsync(0);
        await App.ExpectProblemAsync(HttpMethod.Get, $"/api/lists/{listId}", null, System.Net.HttpStatusCode.NotFound, "LIST_NOT_FOUND");
    }
}
