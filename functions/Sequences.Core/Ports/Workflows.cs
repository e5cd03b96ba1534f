namespace Sequences.Core.Ports;

/// <summary>
/// The durable workflows that drive enrollments: one per enrollment (its instance id is the
/// enrollment's, or <see cref="Model.Enrollment.WorkflowId"/> once the reconciler replaced it), which sleeps until the next step is due, runs it, and sleeps again. Tables stay the system of
/// record: a workflow only decides <em>when</em> to look at an enrollment; what happens is decided
/// from the enrollment record (<see cref="Engine.EnrollmentRunner"/>). So every change made outside
/// the workflow is written first and then announced with <see cref="WakeAsync"/>; a wake-up that
/// is lost only delays the next step until the reconciler (<see cref="Engine.Reconciler"/>) notices.
/// </summary>
public interface IEnrollmentWorkflows
{
    /// <summary>Starts the workflow of an enrollment just written; one already running is left as it is.</summary>
    Task StartAsync(string enrollmentId, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the workflow of a delayed automation enrollment: at <paramref name="dueAt"/> it
    /// enrolls the contact (if the pending enrollment still stands), then runs the enrollment.
    /// </summary>
    Task StartPendingAsync(string enrollmentId, string contactId, DateTimeOffset dueAt, CancellationToken cancellationToken);

    /// <summary>Tells an enrollment's workflow (<see cref="Model.Enrollment.Workflow"/>) that the record changed (paused, resumed, a task completed, ended): it looks again now.</summary>
    Task WakeAsync(string workflowId, CancellationToken cancellationToken);

    /// <summary>Makes sure an active enrollment has a live workflow: wakes the one it has, or starts one under that id if it is missing, failed or ended.</summary>
    Task<WorkflowRepair> EnsureRunningAsync(string enrollmentId, string workflowId, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a workflow under a new instance id for an enrollment whose workflow stopped
    /// answering (its record already names <paramref name="workflowId"/>; the old one ends at its next run).
    /// </summary>
    Task ReplaceAsync(string enrollmentId, string workflowId, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IEnrollmentWorkflows.EnsureRunningAsync"/> did.</summary>
public enum WorkflowRepair
{
    /// <summary>The workflow was running; it was woken.</summary>
    Woken,

    /// <summary>The workflow was missing, failed or finished; a new one was started.</summary>
    Started,

    /// <summary>The workflow did not answer its wake-ups; a new one, under a new instance id, replaced it.</summary>
    Replaced,
}

/// <summary>Puts pages of bulk operations on their queue.</summary>
public interface IOperationQueue
{
    /// <summary>Queues one page of a bulk operation.</summary>
    Task EnqueueAsync(Engine.BulkOperation operation, CancellationToken cancellationToken);
}
