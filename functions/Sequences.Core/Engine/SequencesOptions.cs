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

    /// <summary>
    /// How long a process reuses a sequence, sender or contact it read while running steps.
    /// Edits through another process take up to this long to reach sends. 0 turns caching off.
    /// </summary>
    public TimeSpan ReferenceCacheTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Key for unsubscribe-link signatures (base64, ≥ 16 bytes). When unset, one is created in storage and shared.</summary>
    public string? UnsubscribeSecret { get; set; }

    /// <summary>
    /// Keys that signed unsubscribe links before the current one (base64, comma-separated): links
    /// they signed are still accepted. To rotate, move the old secret here and set a new one.
    /// </summary>
    public string? UnsubscribePreviousSecrets { get; set; }

    /// <summary>How inbound replies and bounces' Authentication-Results are honoured (see <see cref="Inbound.InboundAuthenticationPolicy"/>).</summary>
    public Inbound.InboundAuthenticationPolicy InboundAuthentication { get; set; } = Inbound.InboundAuthenticationPolicy.Honour;

    public IEnumerable<byte[]> PreviousUnsubscribeKeys() =>
        (UnsubscribePreviousSecrets ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Convert.FromBase64String);
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

        foreach (var previous in (options.UnsubscribePreviousSecrets ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bytes = new byte[previous.Length];
            if (!Convert.TryFromBase64String(previous, bytes, out var n) || n < 16)
            {
                failures.Add("Sequences:UnsubscribePreviousSecrets must be base64 keys of at least 16 bytes, separated by commas.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Enrollment workflow settings (configuration section <c>Workflow</c>).</summary>
public sealed class WorkflowOptions
{
    public const string Section = "Workflow";

    /// <summary>
    /// The reconciler repairs the workflow of an active enrollment whose step is overdue by more
    /// than this (a lost wake-up, a lost or failed workflow). A live workflow is never this late,
    /// so a repair is always a real fault; a short value only repairs sooner.
    /// </summary>
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// An enrollment the reconciler still finds overdue this long after it first did (woken, and
    /// not moving: a workflow stuck on what a crash left behind) gets a new workflow under a new
    /// instance id. At least <see cref="OverdueAfter"/>.
    /// </summary>
    public TimeSpan ReplaceAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most enrollments one reconciler run repairs (the next run takes the rest).</summary>
    public int ReconcileBatch { get; set; } = 500;

    /// <summary>How long the history of a finished workflow is kept before the daily purge deletes it.</summary>
    public TimeSpan KeepHistory { get; set; } = TimeSpan.FromDays(30);
}

public sealed class WorkflowOptionsValidator : IValidateOptions<WorkflowOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkflowOptions options)
    {
        var failures = new List<string>();
        if (options.OverdueAfter < TimeSpan.FromSeconds(1))
        {
            failures.Add("Workflow:OverdueAfter must be at least 1 second.");
        }

        if (options.ReplaceAfter < options.OverdueAfter)
        {
            failures.Add("Workflow:ReplaceAfter must be at least Workflow:OverdueAfter.");
        }

        if (options.ReconcileBatch is < 1 or > 5000)
        {
            failures.Add("Workflow:ReconcileBatch must be between 1 and 5000.");
        }

        if (options.KeepHistory < TimeSpan.FromDays(1))
        {
            failures.Add("Workflow:KeepHistory must be at least 1 day.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
