using Sequences.Core.Errors;
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
                return built;
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
        return built;
    }

    public async Task<Result<Sequence>> ReplaceSequenceAsync(string sequenceId, SequenceCommand? command, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = FieldErrors.IdProblem(sequenceId) is null ? await sequences.GetAsync(sequenceId, cancellationToken) : null;
            if (existing is null)
            {
                return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
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

    private async Task<DomainError?> OwnerProblemAsync(Sequence sequence, CancellationToken cancellationToken) =>
        await users.GetAsync(sequence.OwnerUserId, cancellationToken) is null
            ? DomainError.Invalid("ownerUserId", $"There is no user with id '{sequence.OwnerUserId}'; create it with PUT /api/users/{sequence.OwnerUserId} first.")
            : null;
}
