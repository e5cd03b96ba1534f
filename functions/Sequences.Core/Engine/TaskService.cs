using Sequences.Core.Decisions;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>Tasks for sales users; completing one moves its enrollment on.</summary>
public sealed class TaskService(
    ITaskStore tasks,
    IEnrollmentStore enrollments,
    ReferenceCache references,
    TransitionWriter writer,
    IEnrollmentWorkflows workflows,
    TimeProvider time)
{
    public async Task<Result<TaskItem>> CompleteAsync(string taskId, CancellationToken cancellationToken)
    {
        if (!TaskItem.TryParseId(taskId, out var enrollmentId, out var step))
        {
            return DomainError.NotFound(ErrorCodes.TaskNotFound, "Task", taskId);
        }

        var enrollment = await enrollments.GetAsync(enrollmentId, cancellationToken);
        var task = enrollment is null ? null : await tasks.GetAsync(enrollment.Value.SenderUserId, taskId, cancellationToken);
        if (enrollment is null || task is null)
        {
            return DomainError.NotFound(ErrorCodes.TaskNotFound, "Task", taskId);
        }

        if (task.Value.Status == TaskState.Cancelled)
        {
            return new DomainError(ErrorKind.Conflict, ErrorCodes.TaskNotOpen, "The task was cancelled",
                $"Task '{taskId}' was cancelled because its enrollment ended ({enrollment.Value.EndReason}).");
        }

        if (task.Value.Status == TaskState.Completed)
        {
            return task.Value;
        }

        // Enrollment first: if we stopped between the two writes, the task stays open and completing
        // it again is harmless, whereas a completed task with a waiting enrollment would be stuck.
        var now = time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            var sequence = await references.SequenceAsync(enrollment.Value.SequenceId, cancellationToken);
            var transition = EnrollmentDecisions.OnTaskCompleted(enrollment.Value, sequence, step, now);
            if (transition is null)
            {
                break;
            }

            try
            {
                await writer.ApplyAsync(transition, enrollment, cancellationToken);
                await workflows.WakeAsync(transition.State.Workflow, cancellationToken);
                break;
            }
            catch (ConcurrencyException) when (attempt < 10)
            {
                enrollment = await enrollments.GetAsync(enrollmentId, cancellationToken)
                    ?? throw new InvalidOperationException($"Enrollment {enrollmentId} disappeared.");
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            var completed = task.Value with { Status = TaskState.Completed, CompletedAt = now };
            try
            {
                await tasks.ReplaceAsync(completed, task.ETag, cancellationToken);
                return completed;
            }
            catch (ConcurrencyException) when (attempt < 10)
            {
                task = await tasks.GetAsync(task.Value.UserId, taskId, cancellationToken)
                    ?? throw new InvalidOperationException($"Task {taskId} disappeared.");
                if (task.Value.Status != TaskState.Open)
                {
                    return task.Value;
                }
            }
        }
    }
}

/// <summary>Sequence statistics, computed from the enrollment records on request.</summary>
public sealed class StatsService(IEnrollmentStore enrollments, ReferenceCache references, IListings listings, TimeProvider time)
{
    public async Task<Result<Decisions.SequenceStats>> ForSequenceAsync(string sequenceId, CancellationToken cancellationToken)
    {
        if (await references.SequenceAsync(sequenceId, cancellationToken) is not { } sequence)
        {
            return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
        }

        var all = new List<Enrollment>();
        await foreach (var e in enrollments.ListForStatsAsync(sequenceId, cancellationToken))
        {
            all.Add(e);
        }

        // Kept as the sequence's headline figures in the list of sequences.
        var stats = Decisions.Statistics.Compute(sequence, all);
        await listings.SaveStatsAsync(sequenceId, Decisions.HeadlineStats.From(stats), time.GetUtcNow(), cancellationToken);
        return stats;
    }
}
