using Sequences.Core.Errors;
using Sequences.Core.Listing;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Core.Engine;

/// <summary>A sequence as listed: the definition and its headline figures as last computed.</summary>
public sealed record SequenceRow(Sequence Sequence, Decisions.HeadlineStats? Stats, DateTimeOffset? StatsAsOf);

/// <summary>An enrollment as listed, with its contact (null when the contact is gone).</summary>
public sealed record EnrollmentRow(Enrollment Enrollment, Contact? Contact);

/// <summary>A task as listed, with its contact.</summary>
public sealed record TaskRow(TaskItem Task, Contact? Contact);

/// <summary>An active enrollment's next step, as the Scheduled tab shows it.</summary>
public sealed record ScheduledRow(Enrollment Enrollment, Contact? Contact, Sequence? Sequence, DateTimeOffset DueAt);

/// <summary>
/// The API's lists: each page is one key range of an index (<see cref="IListings"/>,
/// <see cref="IEnrollmentIndex"/>) plus point reads of the records on it, which are checked, so a
/// stale index row never shows.
/// </summary>
public sealed class ListingService(
    IListings listings,
    IEnrollmentIndex index,
    IUserStore users,
    IContactStore contacts,
    ISequenceStore sequences,
    IEnrollmentStore enrollments,
    ITaskStore tasks)
{
    public async Task<ListPage<User>> UsersAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var ids = await listings.ListAsync(ListingKind.Users, page, cancellationToken);
        return Keep(ids, await Task.WhenAll(ids.Items.Select(async id => (await users.GetAsync(id, cancellationToken))?.Value)));
    }

    public async Task<ListPage<SequenceRow>> SequencesAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await listings.ListSequencesAsync(page, cancellationToken);
        var read = await Task.WhenAll(rows.Items.Select(async r =>
            (await sequences.GetAsync(r.SequenceId, cancellationToken))?.Value is { } s ? new SequenceRow(s, r.Stats, r.StatsAsOf) : null));
        return Keep(rows, read);
    }

    /// <summary>Contacts, all or those found by <paramref name="search"/> (a prefix of a name, the email or the company).</summary>
    public async Task<Result<ListPage<Contact>>> ContactsAsync(string? search, PageRequest page, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            var all = await listings.ListAsync(ListingKind.Contacts, page, cancellationToken);
            return Keep(all, await ReadContactsAsync(all.Items, cancellationToken));
        }

        var prefix = SearchText.Normalize(search);
        if (prefix.Length == 0)
        {
            return DomainError.Invalid("search", "search needs at least one letter or digit.");
        }

        var found = await listings.SearchContactsAsync(prefix, page, cancellationToken);
        var unique = found.Items.Distinct(StringComparer.Ordinal).ToList();
        var read = await ReadContactsAsync(unique, cancellationToken);
        return new ListPage<Contact>(read.Where(c => c is not null && SearchText.Matches(c, prefix)).Select(c => c!).ToList(), found.After);
    }

    public async Task<Result<ListPage<EnrollmentRow>>> EnrollmentsAsync(
        string sequenceId, EnrollmentStatus? status, string? senderUserId, PageRequest page, CancellationToken cancellationToken)
    {
        if (FieldErrors.IdProblem(sequenceId) is not null || await sequences.GetAsync(sequenceId, cancellationToken) is null)
        {
            return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
        }

        var ids = await index.ListAsync(sequenceId, status, senderUserId, page, cancellationToken);
        var read = await Task.WhenAll(ids.Items.Select(id => enrollments.GetAsync(sequenceId, id, cancellationToken)));
        var kept = read.Select(v => v?.Value)
            .Where(e => e is not null && (status is null || e.Status == status) && (senderUserId is null || e.SenderUserId == senderUserId))
            .Select(e => e!).ToList();
        var people = await ReadContactsAsync(kept.Select(e => e.ContactId).ToList(), cancellationToken);
        return new ListPage<EnrollmentRow>(kept.Select((e, i) => new EnrollmentRow(e, people[i])).ToList(), ids.After);
    }

    public async Task<ListPage<TaskRow>> TasksAsync(string userId, TaskState? state, PageRequest page, CancellationToken cancellationToken)
    {
        var found = await tasks.ListAsync(userId, state, page, cancellationToken);
        var people = await ReadContactsAsync(found.Items.Select(t => t.ContactId).ToList(), cancellationToken);
        return new ListPage<TaskRow>(found.Items.Select((t, i) => new TaskRow(t, people[i])).ToList(), found.After);
    }

    /// <summary>The user's active enrollments whose next step is due between two times, soonest first.</summary>
    public async Task<ListPage<ScheduledRow>> ScheduledAsync(string userId, DateTimeOffset from, DateTimeOffset to, PageRequest page, CancellationToken cancellationToken)
    {
        var refs = await index.ScheduledAsync(userId, from, to, page, cancellationToken);
        var read = await Task.WhenAll(refs.Items.Select(r => enrollments.GetAsync(r.SequenceId, r.EnrollmentId, cancellationToken)));
        var kept = refs.Items.Zip(read, (r, v) => (Ref: r, Enrollment: v?.Value))
            .Where(x => x.Enrollment is { Status: EnrollmentStatus.Active, Phase: StepPhase.Waiting or StepPhase.Executing } e && e.DueAt == x.Ref.DueAt)
            .ToList();
        var people = await ReadContactsAsync(kept.Select(x => x.Ref.ContactId).ToList(), cancellationToken);
        var defs = new Dictionary<string, Sequence?>(StringComparer.Ordinal);
        foreach (var id in kept.Select(x => x.Ref.SequenceId).Distinct())
        {
            defs[id] = (await sequences.GetAsync(id, cancellationToken))?.Value;
        }

        return new ListPage<ScheduledRow>(kept.Select((x, i) => new ScheduledRow(x.Enrollment!, people[i], defs[x.Ref.SequenceId], x.Ref.DueAt)).ToList(), refs.After);
    }

    public Task<ListPage<string>> NamesAsync(ListingKind kind, PageRequest page, CancellationToken cancellationToken) =>
        listings.ListAsync(kind, page, cancellationToken);

    private async Task<Contact?[]> ReadContactsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        await Task.WhenAll(ids.Select(async id => (await contacts.GetAsync(id, cancellationToken))?.Value));

    private static ListPage<T> Keep<TKey, T>(ListPage<TKey> keys, IEnumerable<T?> read)
        where T : class =>
        new(read.Where(x => x is not null).Select(x => x!).ToList(), keys.After);
}
