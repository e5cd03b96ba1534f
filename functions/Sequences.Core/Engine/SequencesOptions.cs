using Microsoft.Extensions.Options;

namespace Sequences.Core.Engine;

/// <summary>Engine settings (configuration section <c>Sequences</c>).</summary>
public sealed class SequencesOptions
{
    public const string Section = "Sequences";

    /// <summary>Base URL for links in emails (unsubscribe). Defaults to the listen URL.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>How long a worker owns a claimed email step; must exceed the slowest send.</summary>
    public TimeSpan StepLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an unenroll waits for an email that is leaving right now.</summary>
    public TimeSpan EndWaitLimit { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a process reuses a sequence, sender or contact it read while running steps.
    /// Edits through another process take up to this long to reach sends. 0 turns caching off.
    /// </summary>
    public TimeSpan ReferenceCacheTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Key for unsubscribe-link signatures (base64, ≥ 16 bytes). When unset, one is created in storage and shared.</summary>
    public string? UnsubscribeSecret { get; set; }
}

/// <summary>Cross-field checks of <see cref="SequencesOptions"/>, run at start.</summary>
public sealed class SequencesOptionsValidator : IValidateOptions<SequencesOptions>
{
    public ValidateOptionsResult Validate(string? name, SequencesOptions options)
    {
        var failures = new List<string>();
        if (options.PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"Sequences:PublicBaseUrl must be an absolute http(s) URL; got '{url}'.");
        }

        if (options.StepLease < TimeSpan.FromSeconds(5))
        {
            failures.Add("Sequences:StepLease must be at least 5 seconds.");
        }

        if (options.UnsubscribeSecret is { Length: > 0 } secret)
        {
            var bytes = new byte[secret.Length];
            if (!Convert.TryFromBase64String(secret, bytes, out var n) || n < 16)
            {
                failures.Add("Sequences:UnsubscribeSecret must be base64 of at least 16 bytes.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Dispatcher and timer settings (configuration section <c>Scheduling</c>).</summary>
public sealed class SchedulingOptions
{
    public const string Section = "Scheduling";

    /// <summary>
    /// How far ahead the dispatcher moves due work onto the queue (as messages invisible until
    /// their due time). Work due within this horizon is enqueued directly with the same short
    /// invisibility instead of passing through the index: the dispatcher would do exactly that on
    /// its next pass. Keeps invisible messages to a few seconds' worth.
    /// </summary>
    public TimeSpan LookAhead { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the local dispatcher runs (on Azure: the timer trigger's schedule).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Entries moved per page.</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Only one dispatcher runs at a time; it holds this lease.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);
}

public sealed class SchedulingOptionsValidator : IValidateOptions<SchedulingOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulingOptions options)
    {
        var failures = new List<string>();
        if (options.LookAhead < TimeSpan.Zero || options.LookAhead > TimeSpan.FromMinutes(5))
        {
            failures.Add("Scheduling:LookAhead must be between 0 and 5 minutes: longer timers belong in the schedule index, not invisible queue messages.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(50))
        {
            failures.Add("Scheduling:PollInterval must be at least 50 ms.");
        }

        if (options.PageSize is < 1 or > 1000)
        {
            failures.Add("Scheduling:PageSize must be between 1 and 1000.");
        }

        if (options.LeaseDuration <= options.PollInterval)
        {
            failures.Add("Scheduling:LeaseDuration must be longer than Scheduling:PollInterval.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
