using System.Text.Json;
using Deque.AxeCore.Commons;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Sequences.Functions.Tests.Web;

/// <summary>Where the browser tests find chromium: <c>SEQUENCES_CHROMIUM</c>, else Debian's package.</summary>
internal static class Chromium
{
    public const string Variable = "SEQUENCES_CHROMIUM";

    /// <summary>The executable to launch, or null when there is none (the tests are then skipped, visibly).</summary>
    public static readonly string? Executable = Find();

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : null;
        }

        // Debian's /usr/bin/chromium is a shell launcher; the binary behind it takes Playwright's flags directly.
        return File.Exists("/usr/bin/chromium")
            ? File.Exists("/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium"
            : null;
    }
}

/// <summary>
/// The browser tests run one after another, and after the other collections rather than beside them:
/// chromium and the app's workflows on 2 cores would slow the heavy end-to-end tests past their
/// time-outs, and theirs would slow these.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}

/// <summary>
/// One app (with an API key, so the key prompt is real) and one chromium for every browser test;
/// each test gets its own browser context (its own sessionStorage) and its own ids.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ApiKey = "browser-tests-key-0123456789";

    private IPlaywright? _playwright;

    public TestApp App { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string Version { get; private set; } = "";

    /// <summary>Where screenshots go: TestResults/screens under the test output folder.</summary>
    public static string ScreensDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screens");

    public async Task InitializeAsync()
    {
        if (Chromium.Executable is null)
        {
            return;
        }

        // Auto-waiting assertions wait for what the app shows, never sleep: a long limit costs nothing when
        // the screen is there, and a loaded 2-core machine can take seconds to render one.
        Assertions.SetDefaultExpectTimeout(15_000);
        App = await TestApp.StartAsync(settings: new Dictionary<string, string?> { ["Api:Keys:0"] = ApiKey });
        App.Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        Version = Browser.Version;
        Directory.CreateDirectory(ScreensDirectory);
        await File.WriteAllTextAsync(Path.Combine(ScreensDirectory, "chromium-version.txt"), $"{Chromium.Executable} {Version}\n");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    /// <summary>
    /// A page in a new context: the browser in <paramref name="timeZone"/>, the API key already in
    /// sessionStorage (unless <paramref name="withKey"/> is false) and acting as <paramref name="actingAs"/>.
    /// </summary>
    public async Task<IPage> NewPageAsync(ITestOutputHelper output, string? actingAs = null, bool withKey = true, string timeZone = "America/Los_Angeles")
    {
        output.WriteLine($"chromium {Version} ({Chromium.Executable})");
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = App.BaseUrl.ToString(),
            TimezoneId = timeZone,
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        var init = (withKey ? $"sessionStorage.setItem('sequences.apiKey', {JsonSerializer.Serialize(ApiKey)});" : "")
            + (actingAs is null ? "" : $"sessionStorage.setItem('sequences.actingAs', {JsonSerializer.Serialize(actingAs)});");
        if (init.Length > 0)
        {
            // Only once per tab: the first document's init sets them; later reloads keep what the app changed.
            // (Init scripts run in every frame: not in the app's sandboxed iframes, which have no storage.)
            await context.AddInitScriptAsync($"if (window === window.top && !sessionStorage.getItem('seeded')) {{ {init} sessionStorage.setItem('seeded', '1'); }}");
        }

        var page = await context.NewPageAsync();
        page.PageError += (_, e) => Log(output, $"page error: {e}");
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning")
            {
                Log(output, $"console {m.Type}: {m.Text}");
            }
        };
        return page;
    }

    /// <summary>Writes to the test's output; a late event (after its test ended) is dropped, not thrown into Playwright's dispatch.</summary>
    private static void Log(ITestOutputHelper output, string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test this page belonged to has finished.
        }
    }

    /// <summary>
    /// Saves a screenshot of the whole page (the viewport while a dialog is open, or when
    /// <paramref name="viewport"/> says so) as TestResults/screens/{name}.png and prints its path.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, ITestOutputHelper output, string name, bool viewport = false)
    {
        var path = Path.Combine(ScreensDirectory, $"{name}.png");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // A modal dialog (panel) covers the viewport and scrolls inside itself: the viewport is the screen.
        var modal = await page.Locator("dialog[open]").CountAsync() > 0;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = !modal && !viewport });
        output.WriteLine($"screenshot {name}: {watch.ElapsedMilliseconds} ms");
        output.WriteLine($"screenshot: {path}");
    }

    /// <summary>
    /// axe-core 4.14.0 as Deque ships it (Deque.AxeCore.Commons, under Deque.AxeCore.Playwright). It is
    /// run here directly, once injected per document: Deque's <c>RunAxe</c> runs it frame by frame and
    /// finishes in a fresh page, ~8 s a call on this 2-core machine against ~1 s, and the suite runs it
    /// on every screen.
    /// </summary>
    private static readonly Lazy<string> AxeSource = new(() =>
    {
        using var stream = typeof(AxeResult).Assembly.GetManifestResourceStream("Deque.AxeCore.Commons.Resources.axe.min.js")
            ?? throw new InvalidOperationException("axe-core is not in Deque.AxeCore.Commons.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>Runs axe on the page as it is (dialogs and panels included) and fails on any serious or critical violation.</summary>
    public static async Task AssertAccessibleAsync(IPage page, ITestOutputHelper output, string name)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(AxeSource.Value);
        }

        // Not inside iframes: they hold rep-written email HTML (sandboxed, scripts off); each iframe
        // element itself is still checked (frame-title).
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { iframes: false, resultTypes: ['violations'] })).violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length }))
            """).WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"axe {name}: {watch.ElapsedMilliseconds} ms");
        var bad = new List<string>();
        foreach (var v in violations.EnumerateArray())
        {
            var impact = v.GetProperty("impact").GetString();
            var id = v.GetProperty("id").GetString();
            output.WriteLine($"axe {name}: {impact} {id}: {v.GetProperty("help").GetString()} ({v.GetProperty("count").GetInt32()} nodes: " +
                $"{string.Join(" | ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()))})");
            if (impact is "serious" or "critical")
            {
                bad.Add(id!);
            }
        }

        Assert.True(bad.Count == 0, $"axe found serious or critical violations on {name}: {string.Join(", ", bad)}");
    }

}
