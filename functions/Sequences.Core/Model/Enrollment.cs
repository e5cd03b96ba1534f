namespace Sequences.Core.Model;

public enum EnrollmentStatus
{
    Active,
    Paused,
    Finished,
    Unenrolled,
}

/// <summary>Where an enrollment stands within its current step.</summary>
public enum StepPhase
{
    /// <summary><see cref="Enrollment.CurrentStep"/> runs at <see cref="Enrollment.DueAt"/> (the enrollment's workflow sleeps until then).</summary>
    Waiting,

    /// <summary>A worker has claimed the step and is sending its email (until <see cref="Enrollment.LeaseUntil"/>).</summary>
    Executing,

    /// <summary>The step's task was created; the enrollment moves on when it is completed.</summary>
    AwaitingTask,

    /// <summary>The enrollment has ended (finished or unenrolled).</summary>
    Ended,
}

/// <summary>Why an enrollment ended. Stable strings: clients and statistics key on them.</summary>
public static class EndReasons
{
    public const string Finished = "FINISHED";
    public const string Manual = "MANUAL";
    public const string Replied = "REPLIED";
    public const string CompanyReplied = "COMPANY_REPLIED";
    public const string MeetingBooked = "MEETING_BOOKED";
    public const string Unsubscribed = "UNSUBSCRIBED";
    public const string Bounced = "BOUNCED";
    public const string Workflow = "WORKFLOW";
    public const string SequenceDeleted = "SEQUENCE_DELETED";
    public const string SenderDeactivated = "SENDER_DEACTIVATED";
    public const string ContactHasNoEmail = "CONTACT_HAS_NO_EMAIL";
}

/// <summary>Per-step adjustments of one enrollment (HubSpot's "send email in N days", task edits).</summary>
public sealed record TaskOverride(string? Title, bool? ContinueWithoutCompleting);

/// <summary>
/// An unenroll or pause accepted while a worker was sending the current step's email: applied by
/// that worker before it hands the email over (then the email is not sent), or right after the send.
/// </summary>
/// <param name="Action"><see cref="StopActions.Unenroll"/> or <see cref="StopActions.Pause"/>.</param>
/// <param name="Reason">The unenroll's end reason (<see cref="EndReasons"/>); null for a pause.</param>
/// <param name="Detail">Words for the timeline.</param>
/// <param name="RequestedAt">When it was accepted.</param>
public sealed record StopRequest(string Action, string? Reason, string? Detail, DateTimeOffset RequestedAt);

public static class StopActions
{
    public const string Unenroll = "unenroll";
    public const string Pause = "pause";
}

/// <summary>This enrollment's own subject and body for an email step (HubSpot's "edit this email for this contact").</summary>
public sealed record EmailOverride(string? Subject, string Body);

/// <summary>
/// The durable state of one contact's run through a sequence: the system of record. Every change
/// produces a new <see cref="Revision"/>. The enrollment's workflow only decides when to look at
/// it; what happens is decided from this record, so a workflow that is late, repeated or lost
/// cannot make a step run twice or after the enrollment ended.
/// </summary>
public sealed record Enrollment
{
    public required string Id { get; init; }
    public required string SequenceId { get; init; }
    public required string ContactId { get; init; }
    public required string SenderUserId { get; init; }
    public required string FromAddress { get; init; }
    public IReadOnlyDictionary<string, string> Tokens { get; init; } = new Dictionary<string, string>();

    /// <summary>IANA zone in which step times are computed.</summary>
    public string TimeZone { get; init; } = "UTC";

    public IReadOnlyDictionary<int, StepDelay> DelayOverrides { get; init; } = new Dictionary<int, StepDelay>();
    public IReadOnlyDictionary<int, TaskOverride> TaskOverrides { get; init; } = new Dictionary<int, TaskOverride>();
    public IReadOnlyDictionary<int, EmailOverride> EmailOverrides { get; init; } = new Dictionary<int, EmailOverride>();

    /// <summary>This enrollment's own settings (chosen when enrolling), over the sequence's from the second step on; null: the sequence's.</summary>
    public SequenceSettings? Settings { get; init; }

    /// <summary>The settings steps after the first run by.</summary>
    public SequenceSettings SettingsIn(Sequence sequence) => Settings ?? sequence.Settings;

    public EnrollmentStatus Status { get; init; }
    public StepPhase Phase { get; init; }

    /// <summary>The 1-based step that is due, running or awaiting its task.</summary>
    public int CurrentStep { get; init; }

    /// <summary>When <see cref="CurrentStep"/> is due (phase <see cref="StepPhase.Waiting"/>).</summary>
    public DateTimeOffset? DueAt { get; init; }

    public long Revision { get; init; }

    /// <summary>The revision of the state from which the step being executed was claimed.</summary>
    public long? ClaimRevision { get; init; }

    /// <summary>Until when the claiming worker owns the step; afterwards the claim is in doubt.</summary>
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>An unenroll or pause waiting for the step in flight (null: none).</summary>
    public StopRequest? PendingStop { get; init; }

    /// <summary>
    /// The instance id of the workflow that drives this enrollment when the reconciler has replaced
    /// a workflow that stopped answering (null: the first, whose id is the enrollment's).
    /// </summary>
    public string? WorkflowId { get; init; }

    /// <summary>The instance id of the enrollment's current workflow.</summary>
    public string Workflow => WorkflowId ?? Id;

    public DateTimeOffset EnrolledAt { get; init; }

    /// <summary>When the previous step ran; the next step's delay counts from here.</summary>
    public DateTimeOffset? LastStepAt { get; init; }

    public DateTimeOffset? PausedAt { get; init; }

    /// <summary>Why a paused enrollment was paused by the engine (a step failure code), or null when a person paused it.</summary>
    public string? PauseReason =>
        Status == EnrollmentStatus.Paused && Events.LastOrDefault(x => x.Type is EventTypes.Paused or EventTypes.StepFailed) is { Type: EventTypes.StepFailed } failed
            ? failed.Reason
            : null;
    public DateTimeOffset? EndedAt { get; init; }
    public string? EndReason { get; init; }

    /// <summary>The first email's Message-ID and subject: follow-ups reply in its thread.</summary>
    public string? ThreadMessageId { get; init; }

    public string? ThreadSubject { get; init; }

    /// <summary>
    /// When each automated email of this enrollment is planned to go (by step). These emails are
    /// reserved against the sender's send limit; the reservations move when the timing changes
    /// (a task completed late, a pause, a deferral) and are released when the enrollment ends early.
    /// </summary>
    public IReadOnlyDictionary<int, DateTimeOffset> Planned { get; init; } = new Dictionary<int, DateTimeOffset>();

    /// <summary>Attempts of the current step that were put off (send failed, limit reached), in a row.</summary>
    public int Deferrals { get; init; }

    public IReadOnlyList<TimelineEvent> Events { get; init; } = [];

    public bool IsEnded => Status is EnrollmentStatus.Finished or EnrollmentStatus.Unenrolled;

    /// <summary>The time the next action is planned, as shown to users.</summary>
    public DateTimeOffset? NextActionAt =>
        Status == EnrollmentStatus.Active && Phase == StepPhase.Waiting ? DueAt : null;

    /// <summary>The delay before <paramref name="stepNumber"/>, with this enrollment's override.</summary>
    public StepDelay DelayOf(int stepNumber, SequenceStep step) =>
        stepNumber > 1 && DelayOverrides.TryGetValue(stepNumber, out var d) ? d : step.Delay;

    /// <summary>The step as this enrollment runs it: its email's subject and body replaced by this enrollment's override, if any.</summary>
    public SequenceStep Personalised(int stepNumber, SequenceStep step) =>
        EmailOverrides.TryGetValue(stepNumber, out var o) ? step with { Subject = o.Subject ?? step.Subject, Body = o.Body } : step;

    /// <summary>The oldest events are dropped past this many; the state row must stay small.</summary>
    public const int MaxEvents = 200;

    public Enrollment WithEvent(TimelineEvent e) => this with { Events = Append(Events, e) };

    public Enrollment WithEvents(params ReadOnlySpan<TimelineEvent> events)
    {
        var list = Events;
        foreach (var e in events)
        {
            list = Append(list, e);
        }

        return this with { Events = list };
    }

    /// <summary>Characters of an event's subject and detail kept on the timeline (an auto-responder may send anything).</summary>
    public const int MaxEventText = 500;

    /// <summary>The most one event can take stored: every text escaped at worst (6 characters each), plus names, time and step.</summary>
    private static long MostStoredChars(TimelineEvent e) =>
        (6L * ((e.Subject?.Length ?? 0) + (e.Detail?.Length ?? 0) + (e.MessageId?.Length ?? 0) + (e.TaskId?.Length ?? 0) + (e.Reason?.Length ?? 0) + e.Type.Length)) + 150;

    /// <summary>
    /// Appends <paramref name="e"/> (its texts cut to <see cref="MaxEventText"/>) and rolls the
    /// oldest events off past <see cref="MaxEvents"/> or past what the stored timeline holds
    /// (<see cref="StoredJson.TimelineChars"/>): a timeline never grows without end.
    /// </summary>
    private static IReadOnlyList<TimelineEvent> Append(IReadOnlyList<TimelineEvent> events, TimelineEvent e)
    {
        e = e with { Subject = Cut(e.Subject), Detail = Cut(e.Detail) };
        var skip = Math.Max(0, events.Count + 1 - MaxEvents);
        List<TimelineEvent> list = [.. events.Skip(skip), e];

        // Serialised to measure only when a cheap upper bound says it could be too long: most
        // timelines are far from it, and this runs on every step.
        while (list.Count > 1 && list.Sum(MostStoredChars) > StoredJson.TimelineChars * 9 / 10
               && StoredJson.Length(list) > StoredJson.TimelineChars * 9 / 10)
        {
            list.RemoveRange(0, Math.Max(1, list.Count / 10));
        }

        return list;
    }

    private static string? Cut(string? text) => text is { Length: > MaxEventText } ? string.Concat(text.AsSpan(0, MaxEventText - 1), "…") : text;
}
