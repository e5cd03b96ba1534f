namespace Sequences.Core.Model;

/// <summary>The kind of work a sequence step does.</summary>
public enum StepType
{
    AutomatedEmail,
    ManualEmail,
    Call,
    LinkedIn,
    Task,
}

/// <summary>One step of a sequence. <see cref="Delay"/> counts from when the previous step ran
/// (for the first step: from enrollment).</summary>
public sealed record SequenceStep(
    StepType Type,
    StepDelay Delay,
    string? Subject = null,
    string? Body = null,
    string? TaskTitle = null,
    bool ContinueWithoutCompleting = false)
{
    public bool IsAutomatedEmail => Type == StepType.AutomatedEmail;

    /// <summary>Every step but an automated email creates a task for the sender.</summary>
    public bool CreatesTask => Type != StepType.AutomatedEmail;
}

/// <summary>A daily window, in the enrollment's time zone, inside which steps may run.</summary>
public sealed record SendWindow(TimeOnly Start, TimeOnly End);

/// <summary>Sequence-wide settings. Defaults follow HubSpot.</summary>
public sealed record SequenceSettings(
    bool BusinessDaysOnly = true,
    SendWindow? SendWindow = null,
    bool ThreadFollowUps = true,
    bool UnenrollSameCompany = false)
{
    public static SequenceSettings Default { get; } = new();
}

/// <summary>A sequence definition as stored. <see cref="Version"/> increases with every edit.</summary>
public sealed record Sequence(
    string Id,
    string Name,
    string OwnerUserId,
    IReadOnlyList<string> SharedWithUserIds,
    bool SharedWithEveryone,
    SequenceSettings Settings,
    IReadOnlyList<SequenceStep> Steps,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeletedAt = null)
{
    /// <summary>The 1-based step, or null when the sequence no longer has it (it was shortened).</summary>
    public SequenceStep? StepAt(int stepNumber) =>
        stepNumber >= 1 && stepNumber <= Steps.Count ? Steps[stepNumber - 1] : null;

    /// <summary>A sequence can be used by its owner, by users it is shared with, or by everyone.</summary>
    public bool IsUsableBy(string userId) =>
        SharedWithEveryone
        || string.Equals(OwnerUserId, userId, StringComparison.Ordinal)
        || SharedWithUserIds.Contains(userId, StringComparer.Ordinal);
}
