using Sequences.Core.Decisions;
using Sequences.Core.Model;

namespace Sequences.Core.Ports;

/// <summary>Where a page of a listing starts (after which key; null: the first page) and how many items it holds at most.</summary>
public sealed record PageRequest(int Limit, string? After);

/// <summary>A page of a listing and the key the next page starts after (null on the last page).</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? After);

/// <summary>What a listing names: each kind is one partition of ids in key order.</summary>
public enum ListingKind
{
    Users,
    Sequences,
    Contacts,
    Forms,
    Properties,
    Lists,
}

/// <summary>A sequence in the sequences listing, with the headline figures last computed for it.</summary>
public sealed record SequenceListing(string SequenceId, HeadlineStats? Stats, DateTimeOffset? StatsAsOf);

/// <summary>
/// The indexes behind every list and search of the API (no list scans a table): ids by kind, the
/// contact search terms, and the sequences' headline figures. An index, not the truth: callers read
/// the records and drop what no longer matches.
/// </summary>
public interface IListings
{
    /// <summary>Adds ids to a listing (idempotent).</summary>
    Task AddAsync(ListingKind kind, IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>Takes an item out of a listing (nothing when it is not there).</summary>
    Task RemoveAsync(ListingKind kind, string id, CancellationToken cancellationToken);

    Task<ListPage<string>> ListAsync(ListingKind kind, PageRequest page, CancellationToken cancellationToken);

    Task<ListPage<SequenceListing>> ListSequencesAsync(PageRequest page, CancellationToken cancellationToken);

    Task SaveStatsAsync(string sequenceId, HeadlineStats stats, DateTimeOffset asOf, CancellationToken cancellationToken);

    /// <summary>Adds the contact under <paramref name="add"/> terms first, then removes it from <paramref name="remove"/>.</summary>
    Task IndexContactAsync(string contactId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken);

    /// <summary>Contact ids under terms starting with <paramref name="prefix"/> (normalised, see <see cref="Listing.SearchText"/>); an id may repeat.</summary>
    Task<ListPage<string>> SearchContactsAsync(string prefix, PageRequest page, CancellationToken cancellationToken);
}

/// <summary>An active enrollment's next step in the scheduled index.</summary>
public sealed record ScheduledRef(string EnrollmentId, string SequenceId, string ContactId, int Step, DateTimeOffset DueAt);

/// <summary>
/// Enrollments by sequence, status and sender, and active enrollments by sender and due time (durable
/// timers cannot be queried). Kept beside the enrollment records: rows a change adds are written
/// before it, rows it removes after it, so an index may hold a stale row (callers check the record)
/// but never misses one.
/// </summary>
public interface IEnrollmentIndex
{
    Task BeforeWriteAsync(Enrollment? before, Enrollment after, CancellationToken cancellationToken);

    Task AfterWriteAsync(Enrollment? before, Enrollment after, CancellationToken cancellationToken);

    Task<ListPage<string>> ListAsync(string sequenceId, EnrollmentStatus? status, string? senderUserId, PageRequest page, CancellationToken cancellationToken);

    Task<ListPage<ScheduledRef>> ScheduledAsync(string userId, DateTimeOffset from, DateTimeOffset to, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Whether the sequence has an active or paused enrollment (one index row read).</summary>
    Task<bool> AnyRunningAsync(string sequenceId, CancellationToken cancellationToken);
}

/// <summary>Contact lists: the definition, and a static list's members (in id order).</summary>
public interface IContactListStore
{
    Task CreateAsync(ContactList list, IReadOnlyCollection<string> members, CancellationToken cancellationToken);

    Task<ContactList?> GetAsync(string listId, CancellationToken cancellationToken);

    Task<ListPage<string>> MembersAsync(string listId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Replaces the list's definition (its name; members stay).</summary>
    Task ReplaceAsync(ContactList list, CancellationToken cancellationToken);

    /// <summary>Deletes the list: its definition first (it is gone for readers at once), then its member rows.</summary>
    Task DeleteAsync(string listId, CancellationToken cancellationToken);
}
