using Sequences.Core.Model;

namespace Sequences.Core.Ports;

/// <summary>A stored value with the opaque version tag (ETag) that guards conditional writes.</summary>
public sealed record Versioned<T>(T Value, string ETag);

/// <summary>
/// Sales users. <c>UpsertAsync</c> with a null ETag inserts (and throws
/// <see cref="Errors.ConcurrencyException"/> if the record exists by now); with an ETag it
/// replaces only if the record is unchanged. The same holds for contacts.
/// </summary>
public interface IUserStore
{
    Task<Versioned<User>?> GetAsync(string userId, CancellationToken cancellationToken);

    Task<string> UpsertAsync(User user, string? etag, CancellationToken cancellationToken);
}

/// <summary>The contact's pointer to its one active enrollment (one active sequence per contact).</summary>
public sealed record ActiveEnrollmentPointer(string EnrollmentId, string SequenceId, DateTimeOffset ClaimedAt);

/// <summary>One line of a contact's enrollment history.</summary>
public sealed record ContactEnrollmentRef(string EnrollmentId, string SequenceId, DateTimeOffset EnrolledAt);

/// <summary>Contacts, their active-enrollment pointer and their enrollment history.</summary>
public interface IContactStore
{
    Task<Versioned<Contact>?> GetAsync(string contactId, CancellationToken cancellationToken);

    Task<string> UpsertAsync(Contact contact, string? etag, CancellationToken cancellationToken);

    Task<Versioned<ActiveEnrollmentPointer>?> GetActiveEnrollmentAsync(string contactId, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically points the contact at a new active enrollment and adds it to the contact's
    /// history: inserts the pointer when <paramref name="expectedETag"/> is null, replaces it only if
    /// unchanged otherwise. Returns false when another writer got there first.
    /// </summary>
    Task<bool> TryClaimActiveEnrollmentAsync(string contactId, ActiveEnrollmentPointer pointer, string? expectedETag, CancellationToken cancellationToken);

    Task<IReadOnlyList<ContactEnrollmentRef>> ListEnrollmentsAsync(string contactId, CancellationToken cancellationToken);
}

public interface ISequenceStore
{
    Task<Versioned<Sequence>?> GetAsync(string sequenceId, CancellationToken cancellationToken);

    Task<string> InsertAsync(Sequence sequence, CancellationToken cancellationToken);

    Task<string> ReplaceAsync(Sequence sequence, string etag, CancellationToken cancellationToken);
}

/// <summary>Enrollment state. Each enrollment is one record; <see cref="ReplaceAsync"/> is conditional.</summary>
public interface IEnrollmentStore
{
    /// <summary>Finds an enrollment by id alone (its sequence is part of the id, see <see cref="Engine.Ids"/>).</summary>
    Task<Versioned<Enrollment>?> GetAsync(string enrollmentId, CancellationToken cancellationToken);

    /// <summary>Finds an enrollment when its sequence is known (the hot path: one point read).</summary>
    Task<Versioned<Enrollment>?> GetAsync(string sequenceId, string enrollmentId, CancellationToken cancellationToken);

    Task<string> CreateAsync(Enrollment enrollment, CancellationToken cancellationToken);

    /// <summary>Replaces the enrollment if its ETag is unchanged, else throws <see cref="Errors.ConcurrencyException"/>.</summary>
    Task<string> ReplaceAsync(Enrollment enrollment, string etag, CancellationToken cancellationToken);

    IAsyncEnumerable<Enrollment> ListBySequenceAsync(string sequenceId, EnrollmentStatus? status, CancellationToken cancellationToken);
}

public interface ITaskStore
{
    /// <summary>Creates the task unless a task with its id exists (creating twice creates once).</summary>
    Task CreateIfAbsentAsync(TaskItem task, CancellationToken cancellationToken);

    Task<Versioned<TaskItem>?> GetAsync(string userId, string taskId, CancellationToken cancellationToken);

    Task<string> ReplaceAsync(TaskItem task, string etag, CancellationToken cancellationToken);

    IAsyncEnumerable<TaskItem> ListAsync(string userId, TaskState? state, CancellationToken cancellationToken);
}

/// <summary>Settings shared by every process on the same storage (e.g. the unsubscribe-link key).</summary>
public interface ISecretStore
{
    /// <summary>The named secret, created once at random and shared by every process.</summary>
    Task<byte[]> GetOrCreateAsync(string name, CancellationToken cancellationToken);
}

/// <summary>New unique ids. Injected so decisions stay deterministic in tests.</summary>
public interface IIdGenerator
{
    string NewId();
}
