using Microsoft.Extensions.Logging;

namespace Sequences.Core.Engine;

/// <summary>Structured log messages of the engine (event ids 1000–1999).</summary>
internal static partial class Logs
{
    [LoggerMessage(1001, LogLevel.Debug, "Enrollment {EnrollmentId} (sequence {SequenceId}) has nothing due: its workflow finishes ({Reason})")]
    public static partial void WorkflowDone(this ILogger logger, string enrollmentId, string sequenceId, string reason);

    [LoggerMessage(1002, LogLevel.Debug, "Enrollment {EnrollmentId} (sequence {SequenceId}, step {Step}) looks again at {Until}: {Reason}")]
    public static partial void StepDeferred(this ILogger logger, string enrollmentId, string sequenceId, int step, DateTimeOffset until, string reason);

    [LoggerMessage(1009, LogLevel.Debug, "Enrollment {EnrollmentId} (sequence {SequenceId}, step {Step}) waits until it changes: {Reason}")]
    public static partial void StepIdle(this ILogger logger, string enrollmentId, string sequenceId, int step, string reason);

    [LoggerMessage(1003, LogLevel.Information, "Email sent for enrollment {EnrollmentId} (sequence {SequenceId}, step {Step}) as {MessageId}")]
    public static partial void EmailSent(this ILogger logger, string enrollmentId, string sequenceId, int step, string messageId);

    [LoggerMessage(1004, LogLevel.Warning, "Email for enrollment {EnrollmentId} (sequence {SequenceId}, step {Step}) failed ({Kind}): {Detail}")]
    public static partial void EmailFailed(this ILogger logger, string enrollmentId, string sequenceId, int step, string kind, string detail);

    [LoggerMessage(1052, LogLevel.Warning, "Enrollment {EnrollmentId} (sequence {SequenceId}, step {Step}) paused: the step cannot be done ({Code}): {Detail}")]
    public static partial void StepFailed(this ILogger logger, string enrollmentId, string sequenceId, int step, string code, string detail);

    [LoggerMessage(1005, LogLevel.Debug, "Enrollment {EnrollmentId} (sequence {SequenceId}) changed concurrently; re-reading (attempt {Attempt})")]
    public static partial void Conflict(this ILogger logger, string enrollmentId, string sequenceId, int attempt);

    [LoggerMessage(1006, LogLevel.Information, "Task {TaskId} created for enrollment {EnrollmentId} (sequence {SequenceId}, step {Step})")]
    public static partial void TaskCreated(this ILogger logger, string taskId, string enrollmentId, string sequenceId, int step);

    [LoggerMessage(1007, LogLevel.Debug, "Enrollment {EnrollmentId} (sequence {SequenceId}) is now {Status} at step {Step}")]
    public static partial void Transitioned(this ILogger logger, string enrollmentId, string sequenceId, string status, int step);

    [LoggerMessage(1008, LogLevel.Warning, "Email for enrollment {EnrollmentId} (sequence {SequenceId}, step {Step}) was sent but another worker took the step over; recorded on the current state")]
    public static partial void SentAfterTakeover(this ILogger logger, string enrollmentId, string sequenceId, int step);

    [LoggerMessage(1012, LogLevel.Information, "Email for enrollment {EnrollmentId} (sequence {SequenceId}, step {Step}) was not sent: a {Action} was accepted after the step was claimed")]
    public static partial void SendFenced(this ILogger logger, string enrollmentId, string sequenceId, int step, string action);

    [LoggerMessage(1010, LogLevel.Information, "Contact {ContactId} enrolled as {EnrollmentId} in sequence {SequenceId}, first step due {DueAt}")]
    public static partial void Enrolled(this ILogger logger, string contactId, string enrollmentId, string sequenceId, DateTimeOffset dueAt);

    [LoggerMessage(1011, LogLevel.Information, "Enrollment {EnrollmentId} (sequence {SequenceId}) ended: {Reason}")]
    public static partial void Ended(this ILogger logger, string enrollmentId, string sequenceId, string reason);

    [LoggerMessage(1030, LogLevel.Information, "Operation {Op} on {Scope} {Id}: {Count} enrollments done, more pages: {More}")]
    public static partial void OperationPage(this ILogger logger, string op, string scope, string id, int count, bool more);

    [LoggerMessage(1040, LogLevel.Information, "Inbound email {MessageId} read as {Class}; matched an enrollment: {Matched}")]
    public static partial void InboundEmail(this ILogger logger, string messageId, string @class, bool matched);

    [LoggerMessage(1041, LogLevel.Debug, "Inbound item {Id} was already processed")]
    public static partial void InboundDuplicate(this ILogger logger, string id);

    [LoggerMessage(1050, LogLevel.Information, "Automation rule {RuleId} enrolled contact {ContactId} as {EnrollmentId} in sequence {SequenceId}")]
    public static partial void RuleEnrolled(this ILogger logger, string ruleId, string contactId, string enrollmentId, string sequenceId);

    [LoggerMessage(1051, LogLevel.Warning, "Automation rule {RuleId} failed for contact {ContactId}: {Code} {Detail}")]
    public static partial void RuleFailed(this ILogger logger, string ruleId, string contactId, string code, string detail);

    [LoggerMessage(1020, LogLevel.Warning, "Reconciler found {Count} enrollments overdue by more than {Threshold}: woke {Woken}, started {Started} workflows")]
    public static partial void Reconciled(this ILogger logger, int count, TimeSpan threshold, int woken, int started);

    [LoggerMessage(1022, LogLevel.Warning, "Reconciler replaced the workflow of enrollment {EnrollmentId}, overdue since {DueAt:o} and not answering its wake-ups, with {WorkflowId}")]
    public static partial void WorkflowReplaced(this ILogger logger, string enrollmentId, DateTimeOffset dueAt, string workflowId);

    [LoggerMessage(1023, LogLevel.Information, "Workflow {WorkflowId} of enrollment {EnrollmentId} was replaced by {Current}; it ends")]
    public static partial void WorkflowSuperseded(this ILogger logger, string enrollmentId, string workflowId, string current);

    [LoggerMessage(1021, LogLevel.Warning, "Contact {ContactId} had a stale active-enrollment pointer to {EnrollmentId}; replacing it")]
    public static partial void StalePointer(this ILogger logger, string contactId, string enrollmentId);

    [LoggerMessage(1053, LogLevel.Information, "Bulk {Op} of {Scope} {Id} stopped: a later pause or resume of it was accepted")]
    public static partial void OperationSuperseded(this ILogger logger, string op, string scope, string id);
}
