using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class SmokeTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [BrowserFact]
    public async Task The_app_opens_on_the_sequences_list()
    {
        var page = await fixture.NewPageAsync(output);
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sequences", Exact = true })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, output, "smoke");
        await BrowserFixture.AssertAccessibleAsync(page, output, "sequences list");
    }
}
