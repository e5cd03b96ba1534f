using Sequences.Core.Model;

namespace Sequences.Core.Decisions;

/// <summary>
/// A new enrollment state to write (conditionally) and its side effects on other records. When
/// the next step is due follows from the state itself (<see cref="Enrollment.DueAt"/>): the
/// enrollment's workflow reads it from there, so no timer travels with a transition.
/// </summary>
public sealed record Transition(Enrollment State)
{
    /// <summary>An open task of the enrollment to cancel (it ended while the task waited).</summary>
    public string? CancelTaskId { get; init; }

    /// <summary>The contact's address was refused permanently: suppress it for every sequence.</summary>
    public bool MarksContactBounced { get; init; }

    /// <summary>Changes to the sender's send ledger (per-hour email counts) that go with this transition.</summary>
    public IReadOnlyDictionary<DateTimeOffset, int> LedgerDeltas { get; init; } = new Dictionary<DateTimeOffset, int>();
}

/// <summary>What to do when an enrollment's workflow looks at it.</summary>
public abstract record StepDecision
{
    private StepDecision() { }

    /// <summary>The enrollment has ended (or does not exist): its workflow is done.</summary>
    public sealed record Done(string Reason) : StepDecision;

    /// <summary>Nothing is due until the enrollment changes (paused, waiting for a task): sleep until woken.</summary>
    public sealed record Idle(string Reason) : StepDecision;

    /// <summary>Not now: look again at <see cref="Until"/>.</summary>
    public sealed record Defer(DateTimeOffset Until, string Reason) : StepDecision;

    /// <summary>Write <see cref="Transition"/>; nothing else happens.</summary>
    public sealed record Apply(Transition Transition) : StepDecision;

    /// <summary>Write <see cref="Claimed"/> (the pre-send record), send the step's email, then record the outcome.</summary>
    public sealed record SendEmail(Enrollment Claimed, int StepNumber, bool ResendAfterDoubt) : StepDecision;

    /// <summary>Create <see cref="Task"/> (idempotent), then write <see cref="Transition"/>.</summary>
    public sealed record CreateTask(TaskItem Task, Transition Transition) : StepDecision;
}

/// <summary>What to do with a request to end an enrollment.</summary>
public abstract record EndDecision
{
    private EndDecision() { }

    public sealed record AlreadyEnded(Enrollment State) : EndDecision;

    /// <summary>
    /// A worker holds the current step (an email may be leaving): write <see cref="Transition"/>,
    /// which records the request (<see cref="Enrollment.PendingStop"/>) for that worker to apply.
    /// </summary>
    public sealed record Request(Transition Transition) : EndDecision;

    public sealed record Apply(Transition Transition) : EndDecision;
}

/// <summary>Engine timing settings the decisions need.</summary>
public sealed record StepPolicy(TimeSpan Lease, bool TransportDeduplicatesResends)
{
    /// <summary>A step runs if it is due within this (clock skew between machines); earlier, it waits again.</summary>
    public static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(50);

    /// <summary>Back-off after a send that certainly did not leave: 1, 2, 4 … minutes, at most an hour.</summary>
    /// <summary>Sends of one step that may fail in a row (1, 2, 4 … 60 minutes apart: about 3 hours) before the step pauses.</summary>
    public const int MaxSendAttempts = 8;

    public static TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, Math.Clamp(attempt - 1, 0, 10))));
}
