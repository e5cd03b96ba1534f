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

internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options) =>
        options.Keys.Any(k => string.IsNullOrWhiteSpace(k) || k.Length < 16)
            ? ValidateOptionsResult.Fail("Every API key (Api__Keys__N) must be at least 16 characters.")
            : ValidateOptionsResult.Success;
}
