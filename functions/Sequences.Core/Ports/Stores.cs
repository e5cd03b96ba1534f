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

    /// <summary>The user and its send ledger between two times, read together (one request).</summary>
    Task<SenderSnapshot?> GetWithLedgerAsync(string userId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="deltas"/> to the ledger only if the touched hours are as
    /// <paramref name="basis"/> read them, and records <paramref name="enrollmentIds"/> in the
    /// sender's enrollment index, atomically. Returns the snapshot as it now is, or null when the
    /// ledger changed meanwhile (read again and decide again).
    /// </summary>
    Task<SenderSnapshot?> TryReserveAsync(SenderSnapshot basis, IReadOnlyDictionary<DateTimeOffset, int> deltas, IReadOnlyList<string> enrollmentIds, CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="deltas"/> to the ledger whatever it holds now (moves and releases).</summary>
    Task AdjustLedgerAsync(string userId, IReadOnlyDictionary<DateTimeOffset, int> deltas, CancellationToken cancellationToken);

    /// <summary>The user with this email address (case-insensitive), if any.</summary>
    Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken);

    /// <summary>The enrollments the user sends (ever), from the sender's index.</summary>
    IAsyncEnumerable<ContactEnrollmentRef> ListEnrollmentsAsync(string userId, CancellationToken cancellationToken);

    /// <summary>One page of the sender's enrollment ids.</summary>
    Task<ResultPage<string>> ListEnrollmentIdsPageAsync(string userId, string? continuation, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Takes <paramref name="count"/> consecutive bulk-send slots, <paramref name="spacing"/> apart, for
    /// the user; the first is at or after <paramref name="notBefore"/> and after every slot taken
    /// before. Returns the first slot's time.
    /// </summary>
    Task<DateTimeOffset> ClaimBulkSlotsAsync(string userId, int count, TimeSpan spacing, DateTimeOffset notBefore, CancellationToken cancellationToken);
}

/// <summary>A sender, their send ledger, and the versions a reservation against it is conditional on.</summary>
public sealed record SenderSnapshot(Versioned<User> User, Decisions.SendLedger Ledger, object Basis);

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

    /// <summary>Takes back a claim made for an enrollment that was then refused (pointer and history row), if still ours.</summary>
    Task ReleaseActiveEnrollmentAsync(string contactId, string enrollmentId, CancellationToken cancellationToken);
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

    /// <summary>One page of a sequence's enrollment ids in the given states, and where the next page starts (null: last page).</summary>
    Task<ResultPage<string>> ListIdsPageAsync(string sequenceId, IReadOnlyList<EnrollmentStatus> statuses, string? continuation, int pageSize, CancellationToken cancellationToken);

    /// <summary>Every enrollment of a sequence with only what statistics need (state, end reason, timeline).</summary>
    IAsyncEnumerable<Enrollment> ListForStatsAsync(string sequenceId, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> active enrollments whose step was due (or whose send lease ran
    /// out) before <paramref name="before"/>: the ones a live workflow would already have run.
    /// A scan of every sequence: the reconciler runs it every few minutes, nothing else does.
    /// </summary>
    Task<IReadOnlyList<OverdueEnrollment>> ListOverdueAsync(DateTimeOffset before, int max, CancellationToken cancellationToken);
}

/// <summary>An active enrollment that should have run by now, and the instance id of its workflow.</summary>
public sealed record OverdueEnrollment(string EnrollmentId, DateTimeOffset DueAt, string WorkflowId);

/// <summary>What the reconciler found in a run: overdue enrollments and what it did about them.</summary>
public sealed record ReconcileReport(DateTimeOffset RanAt, int Overdue, DateTimeOffset? OldestDueAt, int Woken, int Started);

/// <summary>The reconciler's latest report, kept for the health endpoint (one row: reading it is cheap).</summary>
public interface IReconcileLog
{
    Task SaveAsync(ReconcileReport report, CancellationToken cancellationToken);

    Task<ReconcileReport?> LatestAsync(CancellationToken cancellationToken);
}

/// <summary>A page of results and the token for the next one (null on the last page).</summary>
public sealed record ResultPage<T>(IReadOnlyList<T> Items, string? Continuation);

public interface ITaskStore
{
    /// <summary>Creates the task unless a task with its id exists (creating twice creates once).</summary>
    Task CreateIfAbsentAsync(TaskItem task, CancellationToken cancellationToken);

    Task<Versioned<TaskItem>?> GetAsync(string userId, string taskId, CancellationToken cancellationToken);

    Task<string> ReplaceAsync(TaskItem task, string etag, CancellationToken cancellationToken);

    /// <summary>One page of the user's tasks (in the state given), oldest first.</summary>
    Task<ListPage<TaskItem>> ListAsync(string userId, TaskState? state, PageRequest page, CancellationToken cancellationToken);
}

/// <summary>
/// The latest pause or resume accepted for all of a sequence's or a sender's enrollments, with when
/// it was accepted: the operation that runs it checks it is still the latest before each change.
/// </summary>
public interface IScopeControls
{
    Task SetAsync(string scope, string id, string op, DateTimeOffset acceptedAt, CancellationToken cancellationToken);

    Task<(string Op, DateTimeOffset AcceptedAt)?> GetAsync(string scope, string id, CancellationToken cancellationToken);
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
