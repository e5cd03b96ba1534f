using Sequences.Core.Automation;

namespace Sequences.Core.Ports;

/// <summary>Automation rules and their failures.</summary>
public interface IAutomationStore
{
    Task InsertRuleAsync(AutomationRule rule, CancellationToken cancellationToken);

    Task<Versioned<AutomationRule>?> GetRuleAsync(string ruleId, CancellationToken cancellationToken);

    Task<string> ReplaceRuleAsync(AutomationRule rule, string etag, CancellationToken cancellationToken);

    Task DeleteRuleAsync(string ruleId, CancellationToken cancellationToken);

    /// <summary>Every rule (there are few; events are matched against all of them).</summary>
    Task<IReadOnlyList<AutomationRule>> ListRulesAsync(CancellationToken cancellationToken);

    Task AddFailureAsync(AutomationFailure failure, CancellationToken cancellationToken);

    /// <summary>A rule's failures, newest first.</summary>
    Task<IReadOnlyList<AutomationFailure>> ListFailuresAsync(string ruleId, int max, CancellationToken cancellationToken);
}

/// <summary>The automation part of a contact's timeline: pending enrollments and failures, in the contact's partition.</summary>
public interface IContactTimelineStore
{
    /// <summary>Records a pending enrollment unless it exists (the same event processed twice schedules once).</summary>
    Task CreatePendingIfAbsentAsync(PendingEnrollment pending, CancellationToken cancellationToken);

    Task<Versioned<PendingEnrollment>?> GetPendingAsync(string contactId, string enrollmentId, CancellationToken cancellationToken);

    Task<string> ReplacePendingAsync(PendingEnrollment pending, string etag, CancellationToken cancellationToken);

    Task<IReadOnlyList<Versioned<PendingEnrollment>>> ListPendingAsync(string contactId, CancellationToken cancellationToken);

    Task AddFailureAsync(string contactId, AutomationFailure failure, CancellationToken cancellationToken);

    Task<IReadOnlyList<AutomationFailure>> ListFailuresAsync(string contactId, CancellationToken cancellationToken);
}
