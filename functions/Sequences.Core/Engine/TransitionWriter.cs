using Microsoft.Extensions.Logging;
using Sequences.Core.Decisions;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>
/// Applies a <see cref="Transition"/>: writes the state conditionally, then the side effects on
/// other records. Waking the enrollment's workflow is the caller's business: the workflow's own
/// runs need no wake-up, changes made from outside do (see <see cref="IEnrollmentWorkflows"/>).
/// </summary>
public sealed class TransitionWriter(
    IEnrollmentStore enrollments,
    ITaskStore tasks,
    IContactStore contacts,
    IUserStore users,
    IEnrollmentIndex index,
    EnrollmentCache cache,
    ReferenceCache references,
    TimeProvider time,
    ILogger<TransitionWriter> logger)
{
    /// <summary>Writes the transition over <paramref name="basis"/> (the state as read); throws <see cref="ConcurrencyException"/> if it changed.</summary>
    public async Task<string> ApplyAsync(Transition transition, Versioned<Enrollment> basis, CancellationToken cancellationToken)
    {
        var state = transition.State;
        if (transition.MarksContactBounced)
        {
            // Suppression first: the address really bounced even if the state write below loses.
            await UpdateContactAsync(state.ContactId, c => c.Bounced ? null : c with { Bounced = true, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        }

        var newETag = await WriteAsync(state, basis, cancellationToken);
        logger.Transitioned(state.Id, state.SequenceId, state.Status.ToString(), state.CurrentStep);
        if (state.IsEnded)
        {
            logger.Ended(state.Id, state.SequenceId, state.EndReason ?? "");
        }

        if (transition.CancelTaskId is { } taskId)
        {
            await CancelTaskAsync(state.SenderUserId, taskId, cancellationToken);
        }

        if (transition.LedgerDeltas.Count > 0)
        {
            // After the state write: if we stopped in between, the ledger keeps a reservation too many
            // (conservative), rather than a state with reservations the ledger lacks.
            await users.AdjustLedgerAsync(state.SenderUserId, transition.LedgerDeltas, cancellationToken);
            references.InvalidateSender(state.SenderUserId);
        }

        return newETag;
    }

    /// <summary>
    /// A conditional write of enrollment state over <paramref name="basis"/> that keeps
    /// <see cref="EnrollmentCache"/> and the enrollment index in step (index rows the change adds
    /// before it, rows it removes after it: the index may hold a stale row, never miss one).
    /// </summary>
    public async Task<string> WriteAsync(Enrollment state, Versioned<Enrollment> basis, CancellationToken cancellationToken)
    {
        try
        {
            await index.BeforeWriteAsync(basis.Value, state, cancellationToken);
            var newETag = await enrollments.ReplaceAsync(state, basis.ETag, cancellationToken);
            cache.Remember(state, newETag);
            await index.AfterWriteAsync(basis.Value, state, cancellationToken);
            return newETag;
        }
        catch (ConcurrencyException)
        {
            cache.Forget(state.Id);
            throw;
        }
    }

    /// <summary>Read-modify-write of a contact with retries; <paramref name="change"/> returns null for "no change".</summary>
    public Task UpdateContactAsync(string contactId, Func<Contact, Contact?> change, CancellationToken cancellationToken) =>
        UpdateAsync(() => contacts.GetAsync(contactId, cancellationToken), (c, etag) => contacts.UpsertAsync(c, etag, cancellationToken), change);

    public async Task UpdateUserAsync(string userId, Func<User, User?> change, CancellationToken cancellationToken)
    {
        await UpdateAsync(() => users.GetAsync(userId, cancellationToken), (u, etag) => users.UpsertAsync(u, etag, cancellationToken), change);
        references.InvalidateSender(userId);
    }

    /// <summary>Read, change, write conditionally; on a conflict read again (a change that returns null changes nothing).</summary>
    private static async Task UpdateAsync<T>(Func<Task<Versioned<T>?>> read, Func<T, string, Task<string>> write, Func<T, T?> change)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await read();
            if (current is null || change(current.Value) is not { } changed)
            {
                return;
            }

            try
            {
                await write(changed, current.ETag);
                return;
            }
            catch (ConcurrencyException) when (attempt < 10)
            {
            }
        }
    }

    private async Task CancelTaskAsync(string userId, string taskId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var task = await tasks.GetAsync(userId, taskId, cancellationToken);
            if (task is null || task.Value.Status != TaskState.Open)
            {
                return;
            }

            try
            {
                await tasks.ReplaceAsync(task.Value with { Status = TaskState.Cancelled }, task.ETag, cancellationToken);
                return;
            }
            catch (ConcurrencyException) when (attempt < 10)
            {
            }
        }
    }
}
