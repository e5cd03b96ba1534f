using Microsoft.Playwright;
using Sequences.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class BulkAndWorkScreenTests(BrowserFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    /// <summary>Ten from the contacts index, first emails planned 20 s apart (not waited for); three unenrolled from the Enrollments tab.</summary>
    [BrowserFact("GET /api/contacts")]
    public async Task Ten_contacts_are_bulk_enrolled_and_three_bulk_unenrolled_without_changing_the_enrolled_count()
    {
        var rita = await UserAsync();
        var company = $"Bulkco {P}";
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await ContactAsync($"c{i:00}", company)).Id);
        }

        var seq = await SequenceAsync(rita, $"Bulk {P}", Email("PT0S", "Hi {{ contact.firstName }}", "Hello"), Email("P3D", null, "Again"));
        var page = await PageAsync(rita);
        await page.GotoAsync("/#/contacts");
        await HeadingAsync(page, "Contacts");
        await page.GetByLabel("Search contacts").FillAsync(company);
        await Expect(page.Locator("tbody tr[data-contact]")).ToHaveCountAsync(10);
        await page.GetByLabel("Select all on this page").CheckAsync();
        await Expect(page.GetByText("10 selected")).ToBeVisibleAsync();
        await ScreenAsync(page, "contacts");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enroll selected" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Sequence").SelectOptionAsync(seq);
        var panel = page.GetByRole(AriaRole.Dialog, new() { Name = $"Enroll contacts in Bulk {P}" });
        await Expect(panel.Locator("li[data-contact]")).ToHaveCountAsync(10);
        await panel.GetByLabel("Search this batch").FillAsync("C03");
        await Expect(panel.Locator("li[data-contact]:visible")).ToHaveCountAsync(1);
        await panel.GetByLabel("Search this batch").FillAsync("");
        await ScreenAsync(page, "bulk-enroll-panel");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Enroll 10 contacts" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog, new() { Name = "Enroll 10 contacts" });
        await ScreenAsync(page, "bulk-enroll-confirm");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Enroll 10 contacts" }).ClickAsync();
        var rows = panel.Locator("table.bulk-results tbody tr");
        await Expect(rows).ToHaveCountAsync(10);
        await Expect(panel.GetByText("10 enrolled, 0 not enrolled.")).ToBeVisibleAsync();
        await ShotAsync(page, "bulk-enroll-results");
        var planned = (await PlannedTimesAsync(panel.Locator("table.bulk-results tbody time"))).Order().ToList();
        for (var i = 1; i < planned.Count; i++)
        {
            Assert.Equal(TimeSpan.FromSeconds(20), planned[i] - planned[i - 1]);
        }

        await page.Keyboard.PressAsync("Escape");

        // Three unenrolled from the Enrollments tab (filtered to active), with a confirm.
        await page.GotoAsync($"/#/sequences/{seq}/enrollments");
        await HeadingAsync(page, $"Bulk {P}");
        await page.GetByLabel("Status").SelectOptionAsync("active");
        var enrollRows = page.Locator("tr[data-enrollment]");
        await Expect(enrollRows).ToHaveCountAsync(10);
        for (var i = 0; i < 3; i++)
        {
            await enrollRows.Nth(i).GetByRole(AriaRole.Checkbox).CheckAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Unenroll selected" }).ClickAsync();
        await ScreenAsync(page, "enrollments-bulk-unenroll-confirm", axe: false);
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Unenroll contacts" }).GetByRole(AriaRole.Button, new() { Name = "Unenroll 3" }).ClickAsync();
        await Expect(page.GetByText("Unenroll selected: 3 done, 0 failed.")).ToBeVisibleAsync();
        await Expect(enrollRows).ToHaveCountAsync(7);
        await Expect(page.Locator("[data-stat='Unenrolled'] strong")).ToHaveTextAsync("3");
        await Expect(page.Locator("[data-stat='Enrolled'] strong")).ToHaveTextAsync("10");
        await ScreenAsync(page, "enrollments");
        var stats = await GetAsync($"/api/sequences/{seq}/stats");
        Assert.Equal(10, stats.GetProperty("enrolled").GetInt32());
        Assert.Equal(3, stats.GetProperty("unenrolled").GetInt32());

        // A row opens the enrollment's timeline, with the reason it ended.
        await page.GetByLabel("Status").SelectOptionAsync("unenrolled");
        await Expect(enrollRows).ToHaveCountAsync(3);
        await enrollRows.First.Locator("td").Nth(3).ClickAsync();
        await Expect(page.GetByText("MANUAL").First).ToBeVisibleAsync();
        await ScreenAsync(page, "enrollment");

        // The sequences list shows the figures as last computed.
        await page.GotoAsync("/#/sequences");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = $"Bulk {P}" })).ToBeVisibleAsync();
        await ScreenAsync(page, "sequences");
    }

    [BrowserFact("GET /api/contacts")]
    public async Task A_bulk_token_is_updated_for_all_a_contact_removed_and_one_enrolled_alone()
    {
        var rita = await UserAsync();
        var company = $"Tokenco {P}";
        var amy = (await ContactAsync("amy", company)).Id;
        var ben = (await ContactAsync("ben", company)).Id;
        var cat = (await ContactAsync("cat", company)).Id;
        var seq = await SequenceAsync(rita, $"Tokens {P}", Email("P1D", "Hi", "Book here: {{ meetingLink }}"));
        var page = await PageAsync(rita);
        await page.GotoAsync("/#/contacts");
        await page.GetByLabel("Search contacts").FillAsync(company);
        await Expect(page.Locator("tbody tr[data-contact]")).ToHaveCountAsync(3);
        await page.GetByLabel("Select all on this page").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Enroll selected" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Sequence").SelectOptionAsync(seq);
        var panel = page.GetByRole(AriaRole.Dialog, new() { Name = $"Enroll contacts in Tokens {P}" });
        await Expect(panel.Locator("li[data-contact] .missing-note")).ToHaveCountAsync(3);

        // A value typed for Amy, applied to everyone.
        var first = panel.Locator($"li[data-contact='{amy}']");
        await first.GetByText("Customize for Amy Buyer").ClickAsync();
        await first.Locator("[data-token='meetingLink']").FillAsync("https://cal.example/team");
        await ShotAsync(page, "bulk-enroll-customize");
        await first.GetByRole(AriaRole.Button, new() { Name = "Update all: use this meetingLink for every contact" }).ClickAsync();
        await Expect(panel.Locator("li[data-contact] .missing-note")).ToHaveCountAsync(0);
        await Expect(panel.GetByLabel("{{ meetingLink }}").First).ToHaveValueAsync("https://cal.example/team");

        // Cat leaves the batch; Amy is enrolled on her own; then the rest.
        await panel.GetByRole(AriaRole.Button, new() { Name = "Remove contact Cat Buyer from the batch" }).ClickAsync();
        await Expect(panel.Locator("li[data-contact]")).ToHaveCountAsync(2);
        await panel.GetByRole(AriaRole.Button, new() { Name = "Enroll Amy Buyer" }).ClickAsync();
        await Expect(panel.Locator($"li[data-contact='{amy}'] .success")).ToContainTextAsync("Enrolled.");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Enroll 1 contact", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Enroll 1 contact" }).GetByRole(AriaRole.Button, new() { Name = "Enroll 1 contact", Exact = true }).ClickAsync();
        await Expect(panel.Locator($"li[data-contact='{ben}'] .success")).ToContainTextAsync("Enrolled.");
        var stats = await GetAsync($"/api/sequences/{seq}/stats");
        Assert.Equal(2, stats.GetProperty("enrolled").GetInt32());
        Assert.Empty((await GetAsync($"/api/contacts/{cat}/enrollments")).GetProperty("items").EnumerateArray());
    }

    [BrowserFact("GET /api/scheduled")]
    public async Task A_scheduled_step_is_removed_from_the_scheduled_tab()
    {
        var rita = await UserAsync();
        var (ann, _) = await ContactAsync("ann");
        var (bob, _) = await ContactAsync("bob");
        var seq = await SequenceAsync(rita, $"Sched {P}", Email("P2D", "Hi", "Hello"));
        foreach (var c in new[] { ann, bob })
        {
            await App.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = c, senderUserId = rita }, expect: 201);
        }

        var page = await PageAsync(rita);
        await page.GotoAsync("/#/scheduled");
        await HeadingAsync(page, "Scheduled");
        var row = page.Locator("tr[data-enrollment]").Filter(new() { HasText = "Ann Buyer" });
        await Expect(page.Locator("tr[data-enrollment]")).ToHaveCountAsync(2);
        var remove = row.GetByRole(AriaRole.Button, new() { Name = "Remove Ann Buyer" });
        await Expect(remove).Not.ToBeVisibleAsync();
        await row.HoverAsync();
        await Expect(remove).ToBeVisibleAsync();
        await ScreenAsync(page, "scheduled");
        await remove.ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Remove from sequence" }).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(page.Locator("tr[data-enrollment]")).ToHaveCountAsync(1);
        Assert.Equal("unenrolled", (await GetAsync($"/api/contacts/{ann}/enrollments")).GetProperty("items")[0].GetProperty("status").GetString());
    }

    [BrowserFact]
    public async Task Completing_a_task_moves_the_sequence_on()
    {
        var rita = await UserAsync();
        var (ann, annEmail) = await ContactAsync("ann");
        var seq = await SequenceAsync(rita, $"Task {P}", Task("call", "PT0S", "Call {{ contact.firstName }}"), Email("PT0S", "After the call", "Hello again"));
        var enrollment = (await App.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = ann, senderUserId = rita }, expect: 201)).GetProperty("id").GetString()!;
        await Eventually.TrueAsync(async () => (await GetAsync($"/api/tasks?userId={rita}&status=open")).GetProperty("items").GetArrayLength() == 1,
            TimeSpan.FromSeconds(30), "the call task");
        var page = await PageAsync(rita);
        await page.GotoAsync("/#/tasks");
        await HeadingAsync(page, "Tasks");
        var row = page.Locator("tr[data-task]");
        await Expect(row).ToContainTextAsync("Call Ann");
        await ScreenAsync(page, "tasks");
        await row.GetByRole(AriaRole.Button, new() { Name = "Complete: Call Ann" }).ClickAsync();
        await Expect(page.GetByText("No open tasks.")).ToBeVisibleAsync();
        var maildev = await MailDevServer.SharedAsync();
        var mail = await maildev.WaitForMessagesToAsync(annEmail, 1, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("After the call", mail[0].Subject);
        await page.GotoAsync($"/#/enrollments/{enrollment}");
        await Expect(page.Locator("li[data-event='taskCompleted']")).ToBeVisibleAsync();
    }
}
