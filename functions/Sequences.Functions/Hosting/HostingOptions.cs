using Microsoft.Extensions.Options;

namespace Sequences.Functions.Hosting;

/// <summary>How the executable runs (configuration section <c>Hosting</c>).</summary>
internal sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>The listen URL when neither --urls nor ASPNETCORE_URLS is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>
    /// Run the queue listeners and the dispatcher in this process. On by default when standalone;
    /// off under the Functions host, whose triggers call the same handlers through the envelope.
    /// </summary>
    public bool? LocalTriggers { get; set; }

    /// <summary>Where local data lives (Azurite's files, pickup mail): ~/.local/share/Sequences by default.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Set by the Functions host when it runs this executable as a custom handler.</summary>
    public static string? CustomHandlerPort => Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT");

    public static bool IsCustomHandler => !string.IsNullOrEmpty(CustomHandlerPort);

    public bool RunsLocalTriggers => LocalTriggers ?? !IsCustomHandler;

    public static string DefaultDataDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "Sequences");
}

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
