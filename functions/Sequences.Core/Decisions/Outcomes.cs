using Sequences.Core.Model;

namespace Sequences.Core.Decisions;

/// <summary>A durable timer to set: step <see cref="Step"/> at <see cref="DueAt"/>, for <see cref="Revision"/>.</summary>
public sealed record ScheduledStep(int Step, long Revision, DateTimeOffset DueAt);

/// <summary>
/// A new enrollment state to write (conditionally), the timer it needs, and side effects on other
/// records. The timer is set before the state is written, so a crash between the two leaves a
/// timer that finds a stale revision (a no-op), never a state without its timer.
/// </summary>
public sealed record Transition(Enrollment State, ScheduledStep? Timer = null)
{
    /// <summary>An open task of the enrollment to cancel (it ended while the task waited).</summary>
    public string? CancelTaskId { get; init; }

    /// <summary>The contact's address was refused permanently: suppress it for every sequence.</summary>
    public bool MarksContactBounced { get; init; }

    /// <summary>Changes to the sender's send ledger (per-hour email counts) that go with this transition.</summary>
    public IReadOnlyDictionary<DateTimeOffset, int> LedgerDeltas { get; init; } = new Dictionary<DateTimeOffset, int>();
}

/// <summary>What to do with a due step message.</summary>
public abstract record StepDecision
{
    private StepDecision() { }

    /// <summary>The message no longer matches the enrollment: drop it.</summary>
    public sealed record Ignore(string Reason) : StepDecision;

    /// <summary>Not now: run the same message again at <see cref="Until"/>.</summary>
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

    /// <summary>A worker holds the current step (an email may be leaving): wait for it to finish.</summary>
    public sealed record WaitForStep(DateTimeOffset Until) : EndDecision;

    public sealed record Apply(Transition Transition) : EndDecision;
}

/// <summary>Engine timing settings the decisions need.</summary>
public sealed record StepPolicy(TimeSpan Lease, bool TransportDeduplicatesResends)
{
    /// <summary>A message may arrive this much before its due time (clock skew between machines).</summary>
    public static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a message scheduled for a not-yet-written revision waits for that write to land.</summary>
    public static readonly TimeSpan InFlightWriteGrace = TimeSpan.FromSeconds(30);

    /// <summary>Back-off after a send that certainly did not leave: 1, 2, 4 … minutes, at most an hour.</summary>
    public static TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, Math.Clamp(attempt - 1, 0, 10))));
}
