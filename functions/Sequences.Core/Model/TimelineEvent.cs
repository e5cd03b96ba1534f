namespace Sequences.Core.Model;

/// <summary>Names of timeline events. Stable strings: clients read them.</summary>
public static class EventTypes
{
    public const string Enrolled = "enrolled";
    public const string StepSkipped = "stepSkipped";
    public const string EmailSent = "emailSent";
    public const string EmailOutcomeUnknown = "emailOutcomeUnknown";
    public const string TaskCreated = "taskCreated";
    public const string TaskCompleted = "taskCompleted";
    public const string SendDeferred = "sendDeferred";

    /// <summary>A step cannot be done as it stands (its template failed or hit a bound): the enrollment is paused with the code in Reason.</summary>
    public const string StepFailed = "stepFailed";
    public const string Paused = "paused";
    public const string Resumed = "resumed";
    public const string Finished = "finished";
    public const string Unenrolled = "unenrolled";

    // Inbound: what came back from the contact or the mail system.
    public const string ReplyReceived = "replyReceived";
    public const string AutoReply = "autoReply";
    public const string Bounced = "bounced";
    public const string SoftBounce = "softBounce";
    public const string DeliveryDelayed = "deliveryDelayed";
    public const string DeliveryFailed = "deliveryFailed";
    public const string MeetingBooked = "meetingBooked";
    public const string CompanyReplied = "companyReplied";
}

/// <summary>One entry of an enrollment's timeline.</summary>
public sealed record TimelineEvent(
    string Type,
    DateTimeOffset At,
    int? Step = null,
    string? MessageId = null,
    string? Subject = null,
    string? TaskId = null,
    string? Reason = null,
    string? Detail = null);
