using Microsoft.Extensions.Options;

namespace Sequences.Functions.Hosting;

/// <summary>How the executable runs (configuration section <c>Hosting</c>).</summary>
internal sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>The listen URL when neither --urls nor ASPNETCORE_URLS is given (standalone).</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>
    /// Standalone only: run the triggers that are not HTTP — queue listeners, timers, and the
    /// Durable Task worker that runs orchestrations and activities. On by default. Off, only HTTP
    /// functions run and work waits in storage (tests drive the functions by hand).
    /// </summary>
    public bool LocalTriggers { get; set; } = true;

    /// <summary>Where local data lives (Azurite's files, pickup mail): ~/.local/share/Sequences by default.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// Standalone only: a timer function's schedule, by function name, instead of its attribute's
    /// (NCRONTAB with seconds), e.g. <c>Hosting__Timers__Reconcile=*/5 * * * * *</c>. For tests and
    /// local experiments; the Functions host always uses the attribute.
    /// </summary>
    public Dictionary<string, string> Timers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// True when the Azure Functions host started this process: it passes the worker its gRPC
    /// endpoint (<c>--functions-uri</c>, read as <c>Functions:Worker:HostEndpoint</c>), which the
    /// worker cannot run without. Otherwise the process hosts the functions itself.
    /// </summary>
    public static bool StartedByFunctionsHost(string[] args) =>
        args.Contains("--functions-uri", StringComparer.Ordinal)
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Functions__Worker__HostEndpoint"));

    public static string DefaultDataDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "Sequences");
}

/// <summary>Which host runs the functions, and (standalone) where it listens.</summary>
internal sealed record HostMode(bool FunctionsHost, string ListenUrls);

/// <summary>API keys (configuration section <c>Api</c>: <c>Api__Keys__0</c>, <c>Api__Keys__1</c>, …).</summary>
internal sealed class ApiOptions
{
    public const string Section = "Api";

    public List<string> Keys { get; set; } = [];
}

/// <summary>
/// Keys are at least 16 characters. Without any, the API is open, which is only safe where no one
/// else can reach it: standalone, the app then listens on loopback only; on Azure it does not start.
/// </summary>
internal sealed class ApiOptionsValidator(HostMode mode) : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        if (options.Keys.Any(k => string.IsNullOrWhiteSpace(k) || k.Length < 16))
        {
            return ValidateOptionsResult.Fail("Every API key (Api__Keys__N) must be at least 16 characters.");
        }

        if (options.Keys.Count > 0)
        {
            return ValidateOptionsResult.Success;
        }

        if (mode.FunctionsHost && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBSITE_SITE_NAME")))
        {
            return ValidateOptionsResult.Fail("No API keys are configured (Api__Keys__0): on Azure the API would be open to anyone. Set at least one key (16+ characters).");
        }

        return !mode.FunctionsHost && mode.ListenUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(u => !IsLoopback(u)) is { } open
            ? ValidateOptionsResult.Fail($"No API keys are configured (Api__Keys__0), so the app listens on loopback only (127.0.0.1, [::1], localhost), not {open}. Set a key (16+ characters) to listen there.")
            : ValidateOptionsResult.Success;
    }

    private static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2) is [_, var rest] ? rest.Split('/')[0] : url;
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }
}
