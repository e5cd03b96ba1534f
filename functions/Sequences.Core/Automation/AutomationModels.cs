namespace Sequences.Core.Automation;

/// <summary>What fires a rule.</summary>
public sealed record RuleTrigger(string Type, string? FormId = null, string? Url = null, string? Match = null)
{
    public const string FormSubmission = "formSubmission";
    public const string PageView = "pageView";
    public const string MatchEquals = "equals";
    public const string MatchContains = "contains";
}

/// <summary>Who sends for a rule's enrollments: a fixed user, or the user a contact property names (id or email).</summary>
public sealed record RuleSender(string Type, string? UserId = null, string? Property = null)
{
    public const string User = "user";
    public const string ContactOwner = "contactOwner";
    public const string DefaultOwnerProperty = "ownerUserId";
}

/// <summary>A sequence's automation rule: on a form submission or page view, enroll (possibly later) or unenroll.</summary>
public sealed record AutomationRule(
    string Id,
    string SequenceId,
    RuleTrigger Trigger,
    string Action,
    int DelayMinutes,
    RuleSender Sender,
    bool Enabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public const string Enroll = "enroll";
    public const string Unenroll = "unenroll";

    /// <summary>A week: the longest a rule may wait before enrolling.</summary>
    public const int MaxDelayMinutes = 10_080;
}

/// <summary>A form submission or page view, as a site or CRM reports it.</summary>
public sealed record AutomationEvent(
    string Type,
    string EventId,
    string? FormId,
    string? Url,
    string? ContactId,
    string? Email,
    IReadOnlyDictionary<string, string>? Fields,
    DateTimeOffset OccurredAt);

public enum PendingStatus
{
    Pending,
    Enrolled,
    Cancelled,
    Failed,
}

/// <summary>
/// An enrollment a rule will make later (<see cref="AutomationRule.DelayMinutes"/>). Its
/// enrollment id is fixed in advance, so making it twice makes it once.
/// </summary>
public sealed record PendingEnrollment(
    string EnrollmentId,
    string ContactId,
    string SequenceId,
    string RuleId,
    string EventId,
    DateTimeOffset DueAt,
    PendingStatus Status,
    DateTimeOffset CreatedAt,
    string? Detail = null);

/// <summary>An automation that could not do its work: kept on the rule and on the contact's timeline.</summary>
public sealed record AutomationFailure(
    string RuleId,
    string SequenceId,
    string EventId,
    string? ContactId,
    string Code,
    string Detail,
    DateTimeOffset At);
