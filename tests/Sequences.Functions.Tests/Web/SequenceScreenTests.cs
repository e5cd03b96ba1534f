using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class SequenceScreenTests(BrowserFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [BrowserFact]
    public async Task A_sequence_is_created_and_its_steps_edited_in_the_ui()
    {
        var rita = await UserAsync();
        var page = await PageAsync(rita);
        await page.GotoAsync("/#/sequences");
        await HeadingAsync(page, "Sequences");
        await page.GetByRole(AriaRole.Button, new() { Name = "New sequence" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New sequence" });
        await dialog.GetByLabel("Name").FillAsync($"Intro {P}");
        await ScreenAsync(page, "sequence-new-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create sequence" }).ClickAsync();
        await HeadingAsync(page, $"Intro {P}");
        var id = page.Url.Split("#/sequences/")[1].Split('/')[0];

        // Step 1: subject and a formatted body; step 2: a call task that does not hold the sequence up.
        var step1 = page.Locator("fieldset[data-step='1']");
        await step1.GetByLabel("Subject").FillAsync("Hi {{ contact.firstName }}");
        var body = page.FrameLocator("iframe[title='Step 1 body (editor)']").Locator("body");
        await body.FillAsync("Hello {{ contact.firstName }}, here is ");
        await body.PressAsync("End");
        await page.GetByRole(AriaRole.Button, new() { Name = "Bold" }).First.ClickAsync();
        await body.PressSequentiallyAsync("my calendar");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add step" }).ClickAsync();
        var step2 = page.Locator("fieldset[data-step='2']");
        await step2.GetByLabel("Type").SelectOptionAsync("call");
        step2 = page.Locator("fieldset[data-step='2']");
        await step2.GetByLabel("Days after the previous step").FillAsync("3");
        await step2.GetByLabel("Hours").FillAsync("4");
        await step2.GetByLabel("Task title").FillAsync("Call {{ contact.fullName }}");
        await step2.GetByLabel("Continue without completing").CheckAsync();
        await page.Locator("details.tokens-help").First.ClickAsync();
        await ScreenAsync(page, "sequence-steps");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save sequence" }).ClickAsync();
        await Expect(page.GetByText("Saved.")).ToBeVisibleAsync();

        var saved = await GetAsync($"/api/sequences/{id}");
        var steps = saved.GetProperty("steps");
        Assert.Equal(2, steps.GetArrayLength());
        Assert.Equal("Hi {{ contact.firstName }}", steps[0].GetProperty("subject").GetString());
        Assert.Matches("<b>my calendar</b>|<strong>my calendar</strong>", steps[0].GetProperty("body").GetString());
        Assert.Equal("call", steps[1].GetProperty("type").GetString());
        Assert.Equal("P3DT4H", steps[1].GetProperty("delay").GetString());
        Assert.True(steps[1].GetProperty("continueWithoutCompleting").GetBoolean());

        // Settings and sharing.
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings and sharing" }).ClickAsync();
        await page.GetByLabel("Send only inside a time window").CheckAsync();
        await page.GetByLabel("Window start").FillAsync("08:30");
        await page.GetByLabel("Unenroll everyone at the same company").CheckAsync();
        await ScreenAsync(page, "sequence-settings");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
        saved = await GetAsync($"/api/sequences/{id}");
        Assert.Equal("08:30", saved.GetProperty("settings").GetProperty("sendWindow").GetProperty("start").GetString());
        Assert.True(saved.GetProperty("settings").GetProperty("unenrollSameCompany").GetBoolean());
    }

    [BrowserFact]
    public async Task Saving_over_someone_elses_change_says_reload()
    {
        var rita = await UserAsync();
        var id = await SequenceAsync(rita, $"Stale {P}", Email("PT0S", "Hi", "Hello"));
        var page = await PageAsync(rita);
        await page.GotoAsync($"/#/sequences/{id}");
        await HeadingAsync(page, $"Stale {P}");
        await App.PutAsync($"/api/sequences/{id}", new { name = $"Stale {P} (theirs)", ownerUserId = rita, sharedWithEveryone = true, steps = new[] { Email("PT0S", "Hi", "Changed") } });
        await page.GetByLabel("Sequence name").FillAsync($"Stale {P} (mine)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save sequence" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "someone else changed this sequence" })).ToBeVisibleAsync();
        await ShotAsync(page, "sequence-stale-save");
        Assert.Equal($"Stale {P} (theirs)", (await GetAsync($"/api/sequences/{id}")).GetProperty("name").GetString());
    }

    [BrowserFact]
    public async Task Automation_rules_are_created_disabled_and_deleted()
    {
        var rita = await UserAsync();
        var id = await SequenceAsync(rita, $"Auto {P}", Email("PT0S", "Hi", "Hello"));
        var page = await PageAsync(rita);
        await page.GotoAsync($"/#/sequences/{id}/automation");
        await HeadingAsync(page, $"Auto {P}");
        await page.GetByRole(AriaRole.Button, new() { Name = "New rule" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New automation rule" });
        await dialog.GetByLabel("Trigger").SelectOptionAsync("pageView");
        await dialog.GetByLabel("Page URL").FillAsync("/pricing");
        await dialog.GetByLabel("Delay (minutes)").FillAsync("30");
        await dialog.GetByLabel("Sender", new() { Exact = true }).SelectOptionAsync("contactOwner");
        await ScreenAsync(page, "automation-new-rule");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create rule" }).ClickAsync();
        var row = page.Locator("tr[data-rule]");
        await Expect(row).ToContainTextAsync("/pricing");
        await Expect(row).ToContainTextAsync("Contact owner (ownerUserId)");
        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(page.Locator("tr[data-rule]").GetByRole(AriaRole.Button, new() { Name = "Enable" })).ToBeVisibleAsync();
        await ScreenAsync(page, "automation");
        var rules = await GetAsync($"/api/sequences/{id}/automation");
        Assert.False(rules.GetProperty("items")[0].GetProperty("enabled").GetBoolean());
        await page.Locator("tr[data-rule]").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Delete rule" }).GetByRole(AriaRole.Button, new() { Name = "Delete rule", Exact = true }).ClickAsync();
        await Expect(page.GetByText("No rules yet.")).ToBeVisibleAsync();

        // Deleting the sequence asks first.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete sequence" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete sequence" });
        await ScreenAsync(page, "sequence-delete-confirm", axe: false);
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete sequence", Exact = true }).ClickAsync();
        await HeadingAsync(page, "Sequences");
        Assert.Equal(System.Text.Json.JsonValueKind.String, (await GetAsync($"/api/sequences/{id}")).GetProperty("deletedAt").ValueKind);
    }
}
