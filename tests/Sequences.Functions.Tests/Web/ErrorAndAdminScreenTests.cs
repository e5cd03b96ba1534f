using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class ErrorAndAdminScreenTests(BrowserFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    [BrowserFact]
    public async Task The_key_is_asked_once_and_a_wrong_key_is_said_to_be_wrong()
    {
        var page = await PageAsync(withKey: false);
        await page.GotoAsync("/#/users");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "API key required" });
        await dialog.GetByLabel("API key").FillAsync("not-the-right-key-at-all");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(dialog.GetByText("That API key is not valid.")).ToBeVisibleAsync();
        await ScreenAsync(page, "api-key-wrong");
        await dialog.GetByLabel("API key").FillAsync(BrowserFixture.ApiKey);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await HeadingAsync(page, "Users");
        Assert.Equal(BrowserFixture.ApiKey, await page.EvaluateAsync<string>("sessionStorage.getItem('sequences.apiKey')"));
        await page.ReloadAsync();
        await HeadingAsync(page, "Users");
        await Expect(dialog).ToHaveCountAsync(0);
    }

    [BrowserFact]
    public async Task An_unreachable_api_shows_a_banner_with_retry()
    {
        var page = await PageAsync();
        await page.RouteAsync("**/api/**", route => route.AbortAsync("connectionrefused"));
        await page.GotoAsync("/#/health");
        var banner = page.Locator("#banner");
        await Expect(banner).ToContainTextAsync("cannot be reached");
        await ScreenAsync(page, "api-unreachable");
        await page.UnrouteAllAsync();
        await banner.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await HeadingAsync(page, "Health");
        await Expect(banner).ToBeHiddenAsync();
    }

    [BrowserFact]
    public async Task Users_inbound_and_health_screens()
    {
        var rita = await UserAsync();
        var page = await PageAsync(rita);
        await page.GotoAsync("/#/users");
        await HeadingAsync(page, "Users");
        await page.GetByRole(AriaRole.Button, new() { Name = "New user" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New user" });
        await dialog.GetByLabel("User id").FillAsync($"{P}-sam");
        await dialog.GetByLabel("Email").FillAsync($"sam.{P}@acme.test");
        await dialog.GetByLabel("Name").FillAsync($"Sam {P}");
        await dialog.GetByLabel("Mailboxes").FillAsync($"sam.{P}@acme.test, team.{P}@acme.test");
        await dialog.GetByLabel("Daily send limit").FillAsync("40");
        await dialog.GetByLabel("Time zone").SelectOptionAsync("Asia/Tokyo");
        await ScreenAsync(page, "user-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save user" }).ClickAsync();
        var row = page.Locator($"tr[data-user='{P}-sam']");
        await Expect(row).ToContainTextAsync("Asia/Tokyo");
        var sam = await GetAsync($"/api/users/{P}-sam");
        Assert.Equal(40, sam.GetProperty("dailySendLimit").GetInt32());
        Assert.Equal(2, sam.GetProperty("mailboxes").GetArrayLength());
        await row.GetByRole(AriaRole.Button, new() { Name = $"Deactivate Sam {P}" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Deactivate user" }).GetByRole(AriaRole.Button, new() { Name = "Deactivate", Exact = true }).ClickAsync();
        await Expect(page.Locator($"tr[data-user='{P}-sam']")).ToContainTextAsync("No");
        await ScreenAsync(page, "users");

        await page.GotoAsync("/#/inbound");
        await HeadingAsync(page, "Unmatched inbound mail");
        await ScreenAsync(page, "inbound");
        await page.GotoAsync("/#/health");
        await HeadingAsync(page, "Health");
        await Expect(page.GetByText("Status: healthy")).ToBeVisibleAsync();
        await ScreenAsync(page, "health");
    }

    [BrowserFact]
    public async Task A_contact_is_created_edited_and_has_a_meeting_logged()
    {
        var rita = await UserAsync();
        var page = await PageAsync(rita);
        await page.GotoAsync("/#/contacts");
        await HeadingAsync(page, "Contacts");
        await page.GetByRole(AriaRole.Button, new() { Name = "New contact" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New contact" });
        await dialog.GetByLabel("Contact id").FillAsync($"{P}-lea");
        await dialog.GetByLabel("Email").FillAsync($"lea.{P}@buyer.test");
        await dialog.GetByLabel("First name").FillAsync("Léa");
        await dialog.GetByLabel("Company").FillAsync($"Lea Co {P}");
        await dialog.GetByLabel("Properties").FillAsync("industry=rail");
        await ScreenAsync(page, "contact-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save contact" }).ClickAsync();
        await page.GotoAsync($"/#/contacts/{P}-lea");
        await HeadingAsync(page, "Léa");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log a meeting" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Log meeting" }).ClickAsync();
        await Expect(page.GetByText("Meeting logged.")).ToBeVisibleAsync();
        await ScreenAsync(page, "contact");
        Assert.Equal("rail", (await GetAsync($"/api/contacts/{P}-lea")).GetProperty("properties").GetProperty("industry").GetString());
    }
}
