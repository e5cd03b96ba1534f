using Sequences.Core.Errors;
using Sequences.Core.Listing;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Core.Engine;

/// <summary>Users, contacts and sequences: validated writes, plain reads.</summary>
public sealed class DirectoryService(
    IUserStore users,
    IContactStore contacts,
    ISequenceStore sequences,
    ReferenceCache references,
    IContactIndex index,
    IListings listings,
    IEnrollmentIndex enrollmentIndex,
    BulkOperations operations,
    IIdGenerator ids,
    TimeProvider time)
{
    public async Task<User?> GetUserAsync(string userId, CancellationToken cancellationToken) =>
        FieldErrors.IdProblem(userId) is null ? (await users.GetAsync(userId, cancellationToken))?.Value : null;

    public async Task<Result<User>> PutUserAsync(string userId, UserCommand? command, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = FieldErrors.IdProblem(userId) is null ? await users.GetAsync(userId, cancellationToken) : null;
            var built = Validator.User(userId, command, existing?.Value, time.GetUtcNow());
            if (built.Error is not null)
            {
                return built;
            }

            try
            {
                await users.UpsertAsync(built.Value!, existing?.ETag, cancellationToken);
                references.InvalidateSender(userId);
                await listings.AddAsync(ListingKind.Users, [userId], cancellationToken);
                if (existing is { Value.Active: true } && !built.Value!.Active)
                {
                    // Deactivated: every enrollment the user sends ends (through the queue, page by page).
                    await operations.StartAsync(BulkOperation.Create(BulkOperation.End, BulkOperation.SenderScope, userId, EndReasons.SenderDeactivated), cancellationToken);
                }

                return built;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>Deactivates a user: it can no longer send, and every enrollment it sends ends (SENDER_DEACTIVATED).</summary>
    public async Task<Result<User>> DeactivateUserAsync(string userId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = FieldErrors.IdProblem(userId) is null ? await users.GetAsync(userId, cancellationToken) : null;
            if (existing is null)
            {
                return DomainError.NotFound(ErrorCodes.UserNotFound, "User", userId);
            }

            var u = existing.Value;
            var result = await PutUserAsync(userId, new UserCommand(u.Email, u.Name, u.Mailboxes, u.DailySendLimit, u.TimeZone, Active: false), cancellationToken);
            if (result.Error is null || attempt >= 5)
            {
                // A user already inactive is deactivated again (its enrollments may have been created meanwhile).
                if (!u.Active)
                {
                    await operations.StartAsync(BulkOperation.Create(BulkOperation.End, BulkOperation.SenderScope, userId, EndReasons.SenderDeactivated), cancellationToken);
                }

                return result;
            }
        }
    }

    /// <summary>
    /// Deletes a sequence: it is marked deleted (history and statistics stay readable), and every
    /// active or paused enrollment ends (SEQUENCE_DELETED) through the queue, page by page.
    /// </summary>
    public async Task<Result<Sequence>> DeleteSequenceAsync(string sequenceId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = FieldErrors.IdProblem(sequenceId) is null ? await sequences.GetAsync(sequenceId, cancellationToken) : null;
            if (existing is null)
            {
                return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
            }

            var deleted = existing.Value.DeletedAt is null ? existing.Value with { DeletedAt = time.GetUtcNow() } : existing.Value;
            try
            {
                if (existing.Value.DeletedAt is null)
                {
                    await sequences.ReplaceAsync(deleted, existing.ETag, cancellationToken);
                    references.Invalidate(deleted);
                }

                // Started again on a repeated DELETE: enrollments still running (say, a page that failed) end too.
                await operations.StartAsync(BulkOperation.Create(BulkOperation.End, BulkOperation.SequenceScope, sequenceId, EndReasons.SequenceDeleted), cancellationToken);
                return deleted;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    public async Task<Contact?> GetContactAsync(string contactId, CancellationToken cancellationToken) =>
        FieldErrors.IdProblem(contactId) is null ? (await contacts.GetAsync(contactId, cancellationToken))?.Value : null;

    public async Task<Result<Contact>> PutContactAsync(string contactId, ContactCommand? command, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = FieldErrors.IdProblem(contactId) is null ? await contacts.GetAsync(contactId, cancellationToken) : null;
            var built = Validator.Contact(contactId, command, existing?.Value, time.GetUtcNow());
            if (built.Error is not null)
            {
                return built;
            }

            try
            {
                // Conditional on what we read, so a concurrent bounce/unsubscribe flag is never overwritten.
                await contacts.UpsertAsync(built.Value!, existing?.ETag, cancellationToken);
                references.Invalidate(built.Value!);
                await index.UpdateAsync(contactId, existing?.Value.Email, built.Value!.Email, cancellationToken);
                await ListContactAsync(existing?.Value, built.Value!, cancellationToken);
                return built;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    public async Task<Sequence?> GetSequenceAsync(string sequenceId, CancellationToken cancellationToken) =>
        FieldErrors.IdProblem(sequenceId) is null ? (await sequences.GetAsync(sequenceId, cancellationToken))?.Value : null;

    public async Task<Result<Sequence>> CreateSequenceAsync(SequenceCommand? command, CancellationToken cancellationToken)
    {
        var built = Validator.Sequence(ids.NewId(), command, null, time.GetUtcNow());
        if (built.Error is not null)
        {
            return built;
        }

        if (await OwnerProblemAsync(built.Value!, cancellationToken) is { } problem)
        {
            return problem;
        }

        await sequences.InsertAsync(built.Value!, cancellationToken);
        await listings.AddAsync(ListingKind.Sequences, [built.Value!.Id], cancellationToken);
        return built;
    }

    /// <summary>
    /// Replaces a sequence. <paramref name="expectedVersion"/> (from <c>If-Match</c>): only if it is
    /// still that version (412 otherwise), so two reps cannot overwrite each other. While the sequence
    /// has active or paused enrollments, its steps keep their positions and types (an enrollment's
    /// current step is a position): edit them in place or add steps at the end (409 STEPS_IN_USE).
    /// </summary>
    public async Task<Result<Sequence>> ReplaceSequenceAsync(string sequenceId, SequenceCommand? command, int? expectedVersion, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = FieldErrors.IdProblem(sequenceId) is null ? await sequences.GetAsync(sequenceId, cancellationToken) : null;
            if (existing is null)
            {
                return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
            }

            if (existing.Value.DeletedAt is not null)
            {
                return EnrollmentService.Deleted(existing.Value);
            }

            if (expectedVersion is { } expected && expected != existing.Value.Version)
            {
                return new DomainError(ErrorKind.Precondition, ErrorCodes.PreconditionFailed, "The sequence was changed meanwhile",
                    $"Sequence '{sequenceId}' is at version {existing.Value.Version}, not {expected} (If-Match): someone else saved it. Reload it and apply your change again.",
                    Extensions: new Dictionary<string, object?> { ["currentVersion"] = existing.Value.Version });
            }

            var built = Validator.Sequence(sequenceId, command, existing.Value, time.GetUtcNow());
            if (built.Error is not null)
            {
                return built;
            }

            if (await OwnerProblemAsync(built.Value!, cancellationToken) is { } problem)
            {
                return problem;
            }

            if (MovedSteps(existing.Value, built.Value!) is { } moved && await enrollmentIndex.AnyRunningAsync(sequenceId, cancellationToken))
            {
                return new DomainError(ErrorKind.Conflict, ErrorCodes.StepsInUse, "Steps are in use",
                    $"The sequence has active or paused enrollments, and {moved}. Enrollments point at step positions: while any run, edit steps in place or add new ones at the end.");
            }

            try
            {
                await sequences.ReplaceAsync(built.Value!, existing.ETag, cancellationToken);
                references.Invalidate(built.Value!);
                return built;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>What in <paramref name="after"/> would re-point running enrollments: a step removed or one whose type changed (a reorder); null when none.</summary>
    private static string? MovedSteps(Sequence before, Sequence after)
    {
        if (after.Steps.Count < before.Steps.Count)
        {
            return $"the edit removes steps (from {before.Steps.Count} to {after.Steps.Count})";
        }

        var changed = before.Steps.Select((s, i) => (Number: i + 1, s.Type, New: after.Steps[i].Type)).FirstOrDefault(x => x.Type != x.New);
        return changed.Number == 0 ? null : $"step {changed.Number} would change from {StepTypes.Name(changed.Type)} to {StepTypes.Name(changed.New)} (a reorder)";
    }

    /// <summary>
    /// After the contact is written: lists it, indexes its search terms (new ones added, old ones
    /// removed; after a crash in between, a search re-checks what it finds) and its property names.
    /// </summary>
    private async Task ListContactAsync(Contact? before, Contact after, CancellationToken cancellationToken)
    {
        var terms = SearchText.Terms(after);
        await listings.AddAsync(ListingKind.Contacts, [after.Id], cancellationToken);

        await listings.IndexContactAsync(after.Id, terms, before is null ? [] : SearchText.Terms(before).Except(terms).ToList(), cancellationToken);
        if (after.Properties.Keys.Except(before?.Properties.Keys ?? []).ToList() is { Count: > 0 } added)
        {
            await listings.AddAsync(ListingKind.Properties, added, cancellationToken);
        }
    }

    private async Task<DomainError?> OwnerProblemAsync(Sequence sequence, CancellationToken cancellationToken) =>
        await users.GetAsync(sequence.OwnerUserId, cancellationToken) is null
            ? DomainError.Invalid("ownerUserId", $"There is no user with id '{sequence.OwnerUserId}'; create it with PUT /api/users/{sequence.OwnerUserId} first.")
            : null;
}
