using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Sequences.Functions.Tests.Web;

/// <summary>What the browser tests share: ids unique to the test, seeding through the API, page helpers.</summary>
public abstract class BrowserTest(BrowserFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    protected BrowserFixture Fixture { get; } = fixture;

    protected ITestOutputHelper Output { get; } = output;

    protected TestApp App => Fixture.App;

    /// <summary>A prefix unique to this test, for ids and addresses.</summary>
    protected string P { get; } = "t" + Guid.NewGuid().ToString("N")[..8];

    protected async Task<IPage> PageAsync(string? actingAs = null, bool withKey = true, string timeZone = "America/Los_Angeles")
    {
        var page = await Fixture.NewPageAsync(Output, actingAs, withKey, timeZone);
        _contexts.Add(page.Context);
        return page;
    }

    public Task InitializeAsync() => System.Threading.Tasks.Task.CompletedTask;

    /// <summary>Closes the test's browser contexts: nothing of one test runs on into the next.</summary>
    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }

    protected Task ShotAsync(IPage page, string name, bool viewport = false) => BrowserFixture.ScreenshotAsync(page, Output, name, viewport);

    protected Task AxeAsync(IPage page, string name) => BrowserFixture.AssertAccessibleAsync(page, Output, name);

    /// <summary>
    /// Both: a screenshot of the screen, then axe on it as it is. Axe is the slow part (seconds a
    /// run on 2 cores), so a variant of a screen already checked (the same panel with another
    /// message) passes <paramref name="axe"/> false.
    /// </summary>
    protected async Task ScreenAsync(IPage page, string name, bool axe = true)
    {
        await ShotAsync(page, name);
        if (axe)
        {
            await AxeAsync(page, name);
        }
    }

    protected async Task<string> UserAsync(string name = "rita", string zone = "Europe/Berlin", int dailySendLimit = 500)
    {
        var id = $"{P}-{name}";
        await App.PutAsync($"/api/users/{id}", new
        {
            email = $"{name}.{P}@acme.test", name = $"{char.ToUpperInvariant(name[0])}{name[1..]} {P}",
            mailboxes = new[] { $"{name}.{P}@acme.test", $"sales.{P}@acme.test" }, dailySendLimit, timeZone = zone,
        });
        return id;
    }

    protected async Task<(string Id, string Email)> ContactAsync(string name, string? company = null, string? first = null)
    {
        var id = $"{P}-{name}";
        var email = $"{name}.{P}@buyer.test";
        await App.PutAsync($"/api/contacts/{id}", new { email, firstName = first ?? char.ToUpperInvariant(name[0]) + name[1..], lastName = "Buyer", company = company ?? $"Buyer {P}" });
        return (id, email);
    }

    protected async Task<string> SequenceAsync(string owner, string name, params object[] steps)
    {
        var created = await App.PostAsync("/api/sequences", new { name, ownerUserId = owner, sharedWithEveryone = true, settings = new { businessDaysOnly = false }, steps }, expect: 201);
        return created.GetProperty("id").GetString()!;
    }

    protected static object Email(string delay, string? subject, string body) => TestApp.MailStep(delay, subject, body);

    protected static object Task(string type, string delay, string title, bool? continueWithoutCompleting = null) =>
        TestApp.TaskStep(type, delay, title, continueWithoutCompleting);

    protected Task<JsonElement> GetAsync(string path) => App.GetAsync(path);

    /// <summary>Waits until the app has rendered its screen (the main heading is there).</summary>
    protected static Task HeadingAsync(IPage page, string name) =>
        Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeVisibleAsync();

    /// <summary>Moves the focus with Tab until <paramref name="target"/> has it (keyboard only).</summary>
    protected static async Task TabToAsync(IPage page, ILocator target, int max = 80)
    {
        var handle = await target.ElementHandleAsync();
        for (var i = 0; i < max; i++)
        {
            if (await page.EvaluateAsync<bool>("el => document.activeElement === el || (document.activeElement?.shadowRoot?.activeElement === el)", handle))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        Assert.Fail($"Tab never reached {target}");
    }

    /// <summary>Of a results table: the planned times (the time elements' instants), in row order.</summary>
    protected static async Task<IReadOnlyList<DateTimeOffset>> PlannedTimesAsync(ILocator times) =>
        (await times.EvaluateAllAsync<string[]>("els => els.map(e => e.dateTime)")).Select(t => DateTimeOffset.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
}
