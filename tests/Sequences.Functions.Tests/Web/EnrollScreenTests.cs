using System.Text.Json;
using Microsoft.Playwright;
using Sequences.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class EnrollScreenTests(BrowserFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    /// <summary>The browser is in Los Angeles, the panel in Berlin: 09:00 either side of Berlin's DST change (2027-03-28).</summary>
    [BrowserFact("emailOverrides")]
    public async Task Send_later_is_read_in_the_panels_zone_across_a_dst_change()
    {
        var rita = await UserAsync(zone: "America/New_York");
        var (ann, _) = await ContactAsync("ann");
        var (bob, _) = await ContactAsync("bob");
        var seq = await SequenceAsync(rita, $"Later {P}",
            Email("PT0S", "Hi {{ contact.firstName }}", "Hello {{ contact.firstName }}, book here: {{ meetingLink }}"),
            Email("P2D", null, "Following up."));
        var page = await PageAsync(rita);
        var requests = new List<string>();
        page.Request += (_, r) =>
        {
            if (r.Method == "POST" && r.Url.EndsWith("/enrollments", StringComparison.Ordinal))
            {
                requests.Add(r.PostData ?? "");
            }
        };

        foreach (var (contact, date, offset, utc) in new[] { (ann, "2027-03-27", "+01:00", "2027-03-27T08:00:00+00:00"), (bob, "2027-03-29", "+02:00", "2027-03-29T07:00:00+00:00") })
        {
            var panel = await OpenEnrollPanelAsync(page, seq, $"Later {P}", contact);
            await panel.GetByLabel("Time zone").SelectOptionAsync("Europe/Berlin");
            await panel.GetByLabel("Send later").CheckAsync();
            await panel.GetByLabel("Date (Europe/Berlin)").FillAsync(date);
            await panel.GetByLabel("Time (Europe/Berlin)").FillAsync("09:00");
            var token = panel.GetByLabel("{{ meetingLink }}");
            await Expect(token).ToHaveClassAsync("missing");
            await token.FillAsync("https://cal.example/rita");
            await Expect(token).Not.ToHaveClassAsync("missing");
            await panel.Locator("[data-email-subject='1']").FillAsync("Hi {{ contact.firstName }}, a quick question");
            await panel.GetByLabel("Days before step 2").FillAsync("3");
            if (contact == ann)
            {
                await ScreenAsync(page, "enroll-panel");
            }

            await panel.GetByRole(AriaRole.Button, new() { Name = "Enroll", Exact = true }).ClickAsync();
            var done = panel.GetByRole(AriaRole.Status).Filter(new() { HasText = "Enrolled" });
            await Expect(done).ToContainTextAsync($"{date} 09:00 Europe/Berlin");
            var sent = JsonDocument.Parse(requests[^1]).RootElement;
            Assert.Equal($"{date}T09:00:00{offset}", sent.GetProperty("sendFirstAt").GetString());
            Assert.Equal("Europe/Berlin", sent.GetProperty("timeZone").GetString());
            Assert.Equal("P3D", sent.GetProperty("delayOverrides").GetProperty("2").GetString());
            Assert.Equal("Hi {{ contact.firstName }}, a quick question", sent.GetProperty("emailOverrides").GetProperty("1").GetProperty("subject").GetString());
            Assert.Equal("https://cal.example/rita", sent.GetProperty("tokens").GetProperty("meetingLink").GetString());
            var enrollment = (await GetAsync($"/api/contacts/{contact}/enrollments")).GetProperty("items")[0];
            Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), enrollment.GetProperty("nextActionAt").GetDateTimeOffset());
            await page.Keyboard.PressAsync("Escape");
        }
    }

    [BrowserFact("emailOverrides", "GET /api/sequences", "POST /api/sequences/s/preview")]
    public async Task An_email_edited_for_one_contact_arrives_as_edited()
    {
        var rita = await UserAsync();
        var (ann, annEmail) = await ContactAsync("ann");
        var seq = await SequenceAsync(rita, $"Now {P}", Email("PT0S", "Hi {{ contact.firstName }}", "Hello {{ contact.firstName }}."));
        var page = await PageAsync(rita);
        await page.GotoAsync($"/#/contacts/{ann}");
        await HeadingAsync(page, "Ann Buyer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enroll in a sequence" }).ClickAsync();
        var panel = page.GetByRole(AriaRole.Dialog);
        await panel.GetByLabel("Sequence").SelectOptionAsync(seq);
        await panel.Locator("[data-email-subject='1']").FillAsync("Edited for {{ contact.firstName }}");
        await page.FrameLocator("iframe[title='Step 1 email body (editor)']").Locator("body").FillAsync("A note written only for Ann.");
        await Expect(panel.Locator("iframe.preview").First).ToBeVisibleAsync();
        await ScreenAsync(page, "enroll-panel-from-contact");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Enroll", Exact = true }).ClickAsync();
        await Expect(panel.GetByRole(AriaRole.Status).Filter(new() { HasText = "Enrolled" })).ToBeVisibleAsync();
        var maildev = await MailDevServer.SharedAsync();
        var mail = (await maildev.WaitForMessagesToAsync(annEmail, 1, TimeSpan.FromSeconds(30), CancellationToken.None))[0];
        Assert.Equal("Edited for Ann", mail.Subject);
        Assert.Contains("A note written only for Ann.", mail.HtmlBody ?? mail.TextBody, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task A_first_task_can_be_created_immediately_instead_of_after_its_delay()
    {
        var rita = await UserAsync();
        var (ann, _) = await ContactAsync("ann");
        var seq = await SequenceAsync(rita, $"Call first {P}", Task("call", "P2D", "Call {{ contact.firstName }}"), Email("P1D", "Hi", "Hello"));
        var page = await PageAsync(rita);
        var panel = await OpenEnrollPanelAsync(page, seq, $"Call first {P}", ann);
        var immediately = panel.GetByLabel("Create task immediately (step 1 is a task)");
        await immediately.CheckAsync();
        await Expect(panel.GetByLabel("Send later")).ToBeHiddenAsync();
        await ScreenAsync(page, "enroll-panel-create-task-immediately");
        var request = await page.RunAndWaitForRequestAsync(
            () => panel.GetByRole(AriaRole.Button, new() { Name = "Enroll", Exact = true }).ClickAsync(),
            r => r.Method == "POST" && r.Url.EndsWith("/enrollments", StringComparison.Ordinal));
        await Expect(panel.GetByRole(AriaRole.Status).Filter(new() { HasText = "Enrolled" })).ToBeVisibleAsync();
        var sent = JsonDocument.Parse(request.PostData ?? "").RootElement;
        Assert.True(sent.GetProperty("createTaskImmediately").GetBoolean());
        Assert.False(sent.TryGetProperty("sendFirstAt", out _));
        var enrollment = (await GetAsync($"/api/contacts/{ann}/enrollments")).GetProperty("items")[0];
        // Planned now, or (once the task is created, as it may already be) waiting for it: not in two days.
        var planned = enrollment.TryGetProperty("nextActionAt", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTimeOffset() : DateTimeOffset.MinValue;
        Assert.True(planned < DateTimeOffset.UtcNow.AddHours(1), $"the call task is planned at {planned:O}");
    }

    [BrowserFact]
    public async Task A_contact_in_another_sequence_is_refused_with_a_link_to_it()
    {
        var rita = await UserAsync();
        var (ann, _) = await ContactAsync("ann");
        var first = await SequenceAsync(rita, $"First {P}", Email("P3D", "Hi", "Hello"));
        var second = await SequenceAsync(rita, $"Second {P}", Email("P3D", "Hi", "Hello"));
        await App.PostAsync($"/api/sequences/{first}/enrollments", new { contactId = ann, senderUserId = rita }, expect: 201);
        var page = await PageAsync(rita);
        var panel = await OpenEnrollPanelAsync(page, second, $"Second {P}", ann);
        await panel.GetByRole(AriaRole.Button, new() { Name = "Enroll", Exact = true }).ClickAsync();
        var error = panel.Locator(".error").Filter(new() { HasText = "ALREADY_ENROLLED" });
        await Expect(error).ToBeVisibleAsync();
        await ScreenAsync(page, "enroll-already-enrolled", axe: false);
        await error.GetByRole(AriaRole.Link, new() { Name = $"First {P}" }).ClickAsync();
        await HeadingAsync(page, $"First {P}");
    }

    [BrowserFact]
    public async Task A_full_send_limit_offers_send_later_at_the_time_it_frees()
    {
        var rita = await UserAsync(dailySendLimit: 1);
        var (ann, _) = await ContactAsync("ann");
        var (bob, _) = await ContactAsync("bob");
        var seq = await SequenceAsync(rita, $"Limit {P}", Email("PT0S", "Hi", "Hello"));
        await App.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = ann, senderUserId = rita, sendFirstAt = DateTimeOffset.UtcNow.AddHours(1) }, expect: 201);
        var page = await PageAsync(rita);
        var panel = await OpenEnrollPanelAsync(page, seq, $"Limit {P}", bob);
        await panel.GetByRole(AriaRole.Button, new() { Name = "Enroll", Exact = true }).ClickAsync();
        await Expect(panel.Locator(".error")).ToContainTextAsync("SEND_LIMIT_REACHED");
        var later = panel.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Send later at .* Europe.Berlin$") });
        await ScreenAsync(page, "enroll-send-limit");
        await later.ClickAsync();
        await Expect(panel.GetByRole(AriaRole.Status).Filter(new() { HasText = "Enrolled" })).ToBeVisibleAsync();
        var enrollment = (await GetAsync($"/api/contacts/{bob}/enrollments")).GetProperty("items")[0];
        Assert.True(enrollment.GetProperty("nextActionAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(20));
    }

    [BrowserFact]
    public async Task An_enrollment_can_be_made_with_the_keyboard_alone()
    {
        var rita = await UserAsync();
        var (ann, _) = await ContactAsync("kay");
        var seq = await SequenceAsync(rita, $"Keys {P}", Email("P1D", "Hi", "Hello {{ contact.firstName }}"));
        var page = await PageAsync(rita);
        await page.GotoAsync($"/#/sequences/{seq}");
        await HeadingAsync(page, $"Keys {P}");
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Enroll contacts" }));
        await page.Keyboard.PressAsync("Enter");
        var panel = page.GetByRole(AriaRole.Dialog);
        await Expect(panel.GetByLabel("Contact", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(ann);
        var list = panel.GetByRole(AriaRole.Listbox, new() { Name = "Matching contacts" });
        await Expect(list.Locator("option")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Tab");
        await Expect(list).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(list).ToHaveValueAsync(ann);
        await TabToAsync(page, panel.GetByRole(AriaRole.Button, new() { Name = "Enroll", Exact = true }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(panel.GetByRole(AriaRole.Status).Filter(new() { HasText = "Enrolled" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(panel).ToHaveCountAsync(0);
        Assert.Equal("active", (await GetAsync($"/api/contacts/{ann}/enrollments")).GetProperty("items")[0].GetProperty("status").GetString());
    }

    /// <summary>The enroll panel from a sequence's page, with the contact found by its id and chosen.</summary>
    private static async Task<ILocator> OpenEnrollPanelAsync(IPage page, string sequenceId, string sequenceName, string contactId)
    {
        await page.GotoAsync($"/#/sequences/{sequenceId}");
        await HeadingAsync(page, sequenceName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enroll contacts" }).ClickAsync();
        var panel = page.GetByRole(AriaRole.Dialog);
        await panel.GetByLabel("Contact", new() { Exact = true }).FillAsync(contactId);
        var list = panel.GetByRole(AriaRole.Listbox, new() { Name = "Matching contacts" });
        await Expect(list.Locator($"option[value='{contactId}']")).ToHaveCountAsync(1);
        await list.SelectOptionAsync(contactId);
        return panel;
    }
}
