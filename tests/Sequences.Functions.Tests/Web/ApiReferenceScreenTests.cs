using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class ApiReferenceScreenTests(BrowserFixture fixture, ITestOutputHelper output) : BrowserTest(fixture, output)
{
    /// <summary>Scalar's bundle as this app serves it, over /openapi.json: nothing is fetched from elsewhere and the page's policy refuses nothing.</summary>
    [BrowserFact]
    public async Task The_api_reference_shows_the_operations_of_openapi_json_from_this_origin_only()
    {
        var page = await PageAsync();
        var origin = App.BaseUrl.GetLeftPart(UriPartial.Authority);
        var elsewhere = new List<string>();
        var refused = new List<string>();
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(origin, StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(r.Url);
            }
        };
        page.Console += (_, m) =>
        {
            if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                refused.Add(m.Text);
            }
        };
        await page.GotoAsync("/#/sequences");
        await HeadingAsync(page, "Sequences");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "API reference" }).ClickAsync();
        await page.WaitForURLAsync("**/app/reference.html**");

        var sidebar = page.GetByRole(AriaRole.Complementary, new() { Name = "Sidebar for Sequences API" });
        await Expect(sidebar.GetByRole(AriaRole.Link, new() { Name = "Create contact list HTTP Method: POST" })).ToBeVisibleAsync();
        await sidebar.GetByRole(AriaRole.Link, new() { Name = "Enroll batch HTTP Method: POST" }).ClickAsync();
        var batch = page.GetByRole(AriaRole.Region, new() { Name = "Enroll batch", Exact = true });
        await Expect(batch.GetByRole(AriaRole.Heading, new() { Name = "Enroll batch" })).ToBeInViewportAsync();
        await Expect(batch).ToContainTextAsync("post/api/sequences/{sequenceId}/enrollments/batch");
        await Expect(batch.GetByRole(AriaRole.Group, new() { Name = "Request Body" })).ToContainTextAsync("contacts");
        await Expect(batch).ToContainTextAsync("409");
        await Expect(batch).ToContainTextAsync($"curl '{origin}/api/sequences/{{sequenceId}}/enrollments/batch'");
        await ShotAsync(page, "api-reference", viewport: true);
        Assert.Empty(elsewhere);
        Assert.Empty(refused);
    }
}
