namespace Sequences.Core.Inbound;

/// <summary>
/// What the engine needs of a received email, extracted at the endpoint (the raw message can be
/// megabytes; a queue message holds 64 KiB). Addresses are as written (not normalised).
/// </summary>
public sealed record InboundEmail(
    string MessageId,
    string From,
    string? FromName,
    IReadOnlyList<string> To,
    IReadOnlyList<string> Cc,
    string Subject,
    DateTimeOffset? Date,
    string? InReplyTo,
    IReadOnlyList<string> References,
    IReadOnlyDictionary<string, string> Headers,
    string? ReturnPath,
    string TextSnippet,
    DeliveryReport? Report)
{
    /// <summary>Header names are lower-case; the first occurrence wins.</summary>
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>A delivery status notification (RFC 3464): per-recipient outcome and the message it is about.</summary>
public sealed record DeliveryReport(IReadOnlyList<DeliveryStatus> Recipients, string? OriginalMessageId);

/// <summary>One recipient of a DSN: <c>Final-Recipient</c>, <c>Action</c> (failed, delayed, delivered…), <c>Status</c> (5.1.1), <c>Diagnostic-Code</c>.</summary>
public sealed record DeliveryStatus(string Recipient, string Action, string Status, string? Diagnostic)
{
    /// <summary>The whole notice of a plain-text bounce (its reason may be anywhere in it), when there is no DSN.</summary>
    public string? Notice { get; init; }

    /// <summary>The bounce says the refusal came after the message itself was sent (at DATA).</summary>
    public bool AfterData { get; init; }

    /// <summary>
    /// Why it failed and whether for good (see <see cref="BounceReasons"/>): from the diagnostic,
    /// else (a plain-text bounce whose reason is elsewhere in its words) from the whole notice.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public BounceVerdict Verdict
    {
        get
        {
            var verdict = BounceReasons.Classify(Status, Diagnostic, AfterData);
            return verdict.Reason == BounceReason.Undetermined && Notice is not null ? BounceReasons.Classify(Status, Notice, AfterData) : verdict;
        }
    }
}

/// <summary>An Azure Communication Services <c>EmailDeliveryReportReceived</c> event.</summary>
public sealed record DeliveryReportEvent(
    string EventId,
    string Status,
    string Recipient,
    string? Sender,
    string? MessageId,
    string? Detail,
    DateTimeOffset At);

/// <summary>A meeting booked with a user (from a scheduling tool or CRM).</summary>
public sealed record MeetingBooked(string? ContactId, string? Email, string UserId, DateTimeOffset? BookedAt);

/// <summary>How a received email reads.</summary>
public abstract record InboundClass
{
    private InboundClass() { }

    /// <summary>An auto-reply (out of office, vacation): never ends an enrollment. <see cref="Signal"/> says what gave it away.</summary>
    public sealed record AutoReply(string Signal, DateOnly? ReturnDate) : InboundClass;

    /// <summary>A delivery failure notice. <see cref="Hard"/>: permanent (5.x.x other than mailbox full).</summary>
    public sealed record Bounce(bool Hard, IReadOnlyList<DeliveryStatus> Failed, string? OriginalMessageId) : InboundClass;

    /// <summary>A delivery notice that is not a failure (delayed, delivered, relayed): recorded only.</summary>
    public sealed record DeliveryNotice(IReadOnlyList<DeliveryStatus> Statuses, string? OriginalMessageId) : InboundClass;

    /// <summary>Written by a person.</summary>
    public sealed record Human : InboundClass;
}

/// <summary>A unit of inbound work on the inbound or bounces queue.</summary>
public sealed record InboundItem(
    string Kind,
    DateTimeOffset ReceivedAt,
    string Source,
    InboundEmail? Email = null,
    DeliveryReportEvent? Report = null,
    MeetingBooked? Meeting = null,
    Automation.AutomationEvent? Automation = null)
{
    public const string EmailKind = "email";
    public const string ReportKind = "deliveryReport";
    public const string MeetingKind = "meeting";

    /// <summary>A form submission or page view for the automation rules.</summary>
    public const string AutomationKind = "automation";
}
