using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Sequences.Core.Decisions;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Storage.Tables;

/// <summary>Key-range pages: every list of the API is one partition read between two keys, never a scan.</summary>
internal static class KeyRange
{
    /// <summary>The exclusive upper bound of the keys starting with <paramref name="prefix"/>.</summary>
    public static string End(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    /// <summary>Up to <c>page.Limit</c> rows of <paramref name="partitionKey"/> whose keys start with <paramref name="prefix"/>, after <c>page.After</c>.</summary>
    public static async Task<ListPage<T>> ReadAsync<TEntity, T>(
        TableClient table, string partitionKey, string prefix, PageRequest page, Func<TEntity, T> map, CancellationToken cancellationToken,
        string? upperBound = null, string? filter = null)
        where TEntity : class, ITableEntity, new()
    {
        var query = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {prefix} and RowKey lt {upperBound ?? End(prefix)}");
        if (page.After is { } after)
        {
            query += " and " + TableClient.CreateQueryFilter($"RowKey gt {after}");
        }

        if (filter is not null)
        {
            // Within one partition's key range; used where the rows are few (a user's tasks).
            query += $" and ({filter})";
        }

        var items = new List<T>(page.Limit);
        string? last = null;
        await foreach (var row in table.QueryAsync<TEntity>(query, maxPerPage: page.Limit + 1, cancellationToken: cancellationToken))
        {
            if (items.Count == page.Limit)
            {
                return new ListPage<T>(items, last);
            }

            items.Add(map(row));
            last = row.RowKey;
        }

        return new ListPage<T>(items, null);
    }
}

internal sealed class StatsEntity : EntityBase
{
    public string? Stats { get; set; }
    public DateTimeOffset? StatsAsOf { get; set; }
}

/// <summary>
/// Table <c>Listings</c>. Partitions: <c>users</c>, <c>sequences</c> (with each sequence's headline
/// figures as last computed), <c>contacts</c>, <c>forms</c>, <c>properties</c> — row key the id, so a
/// page is a key range. Table <c>Search</c>: contact search, partition the term's first character,
/// row key <c>{term}|{contactId}</c>, so a prefix search is a key range of one partition. (Apart,
/// because Azurite reads a whole table for any key range: the lists do not read the terms.)
/// </summary>
internal sealed class Listings(StorageClients clients) : IListings
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table = clients.Table(TableNames.Listings);
    private readonly TableClient _search = clients.Table(TableNames.Search);

    private static string Partition(ListingKind kind) => kind.ToString().ToLowerInvariant();

    public async Task AddAsync(ListingKind kind, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        // Merge, so a sequence's stored figures stay; batches of 100 (one partition).
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            await _table.SubmitTransactionAsync(
                chunk.Select(id => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(Partition(kind), id))), cancellationToken);
        }
    }

    public async Task RemoveAsync(ListingKind kind, string id, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(Partition(kind), id, ETag.All, cancellationToken);

    public Task<ListPage<string>> ListAsync(ListingKind kind, PageRequest page, CancellationToken cancellationToken) =>
        KeyRange.ReadAsync(_table, Partition(kind), "", page, (TableEntity r) => r.RowKey, cancellationToken, upperBound: "\uffff");

    public Task<ListPage<SequenceListing>> ListSequencesAsync(PageRequest page, CancellationToken cancellationToken) =>
        KeyRange.ReadAsync(_table, Partition(ListingKind.Sequences), "", page, (TableEntity r) => new SequenceListing(
            r.RowKey,
            r.GetString(nameof(StatsEntity.Stats)) is { } json ? JsonSerializer.Deserialize<HeadlineStats>(json, Json) : null,
            r.GetDateTimeOffset(nameof(StatsEntity.StatsAsOf))), cancellationToken, upperBound: "\uffff");

    public Task SaveStatsAsync(string sequenceId, HeadlineStats stats, DateTimeOffset asOf, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new StatsEntity
        {
            PartitionKey = Partition(ListingKind.Sequences),
            RowKey = sequenceId,
            Stats = JsonSerializer.Serialize(stats, Json),
            StatsAsOf = asOf,
        }, TableUpdateMode.Replace, cancellationToken);

    public async Task IndexContactAsync(string contactId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken)
    {
        foreach (var term in add)
        {
            await _search.UpsertEntityAsync(new TableEntity(TermPartition(term), TermRow(term, contactId)), TableUpdateMode.Replace, cancellationToken);
        }

        foreach (var term in remove.Except(add, StringComparer.Ordinal))
        {
            await DeleteIfExistsAsync(_search, TermPartition(term), TermRow(term, contactId), cancellationToken);
        }
    }

    public Task<ListPage<string>> SearchContactsAsync(string prefix, PageRequest page, CancellationToken cancellationToken) =>
        KeyRange.ReadAsync(_search, TermPartition(prefix), prefix, page, (TableEntity r) => r.RowKey[(r.RowKey.IndexOf('|', StringComparison.Ordinal) + 1)..], cancellationToken);

    /// <summary>Removes an index row; one already gone (removed by an earlier attempt) is fine.</summary>
    public static async Task DeleteIfExistsAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }

    private static string TermPartition(string term) => char.ConvertFromUtf32(char.ConvertToUtf32(term, 0));

    private static string TermRow(string term, string contactId) => $"{term}|{contactId}";
}

/// <summary>
/// Table <c>EnrollmentIndex</c>. Partition = the sequence id: row <c>s|{status}|{enrollmentId}</c>
/// and <c>u|{senderUserId}|{status}|{enrollmentId}</c> (filters by status and sender are key
/// ranges). Partition <c>due|{senderUserId}</c>: row <c>{dueAt, UTC, sortable}|{enrollmentId}</c>
/// for each active enrollment's next step (the Scheduled tab is a key range between two times).
/// </summary>
internal sealed class EnrollmentIndex(StorageClients clients) : IEnrollmentIndex
{
    private const string DueFormat = "yyyyMMdd'T'HHmmss.fff";
    private readonly TableClient _table = clients.Table(TableNames.EnrollmentIndex);

    public async Task BeforeWriteAsync(Enrollment? before, Enrollment after, CancellationToken cancellationToken)
    {
        var old = Rows(before).Select(r => (r.PartitionKey, r.RowKey)).ToHashSet();
        foreach (var row in Rows(after).Where(r => !old.Contains((r.PartitionKey, r.RowKey))))
        {
            await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        }
    }

    public async Task AfterWriteAsync(Enrollment? before, Enrollment after, CancellationToken cancellationToken)
    {
        var keep = Rows(after).Select(r => (r.PartitionKey, r.RowKey)).ToHashSet();
        foreach (var row in Rows(before).Where(r => !keep.Contains((r.PartitionKey, r.RowKey))))
        {
            if (row.PartitionKey != before!.SequenceId)
            {
                // A due-time row: its key (the time) is not written again by a later change.
                await Listings.DeleteIfExistsAsync(_table, row.PartitionKey, row.RowKey, cancellationToken);
                continue;
            }

            // A status row can be written again by the very next change (paused, then active again
            // at once): remove it only if no later change wrote it since, and only that version.
            if (await TableOps.GetAsync<TableEntity>(_table, row.PartitionKey, row.RowKey, cancellationToken) is { } current
                && (current.GetInt64(nameof(Enrollment.Revision)) ?? 0) <= before.Revision)
            {
                try
                {
                    await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, current.ETag, cancellationToken);
                }
                catch (RequestFailedException e) when (e.Status is 404 or 412)
                {
                }
            }
        }
    }

    public Task<ListPage<string>> ListAsync(string sequenceId, EnrollmentStatus? status, string? senderUserId, PageRequest page, CancellationToken cancellationToken)
    {
        var prefix = (senderUserId is null ? "s|" : $"u|{senderUserId}|") + (status is { } s ? $"{Name(s)}|" : "");
        return KeyRange.ReadAsync(_table, sequenceId, prefix, page, (TableEntity r) => r.RowKey[(r.RowKey.LastIndexOf('|') + 1)..], cancellationToken);
    }

    public Task<ListPage<ScheduledRef>> ScheduledAsync(string userId, DateTimeOffset from, DateTimeOffset to, PageRequest page, CancellationToken cancellationToken) =>
        KeyRange.ReadAsync(_table, DuePartition(userId), Due(from), page, (TableEntity r) => new ScheduledRef(
                r.GetString("EnrollmentId") ?? "", r.GetString("SequenceId") ?? "", r.GetString("ContactId") ?? "", r.GetInt32("Step") ?? 0,
                r.GetDateTimeOffset("DueAt") ?? default),
            cancellationToken, upperBound: Due(to));

    public async Task<bool> AnyRunningAsync(string sequenceId, CancellationToken cancellationToken)
    {
        foreach (var status in new[] { EnrollmentStatus.Active, EnrollmentStatus.Paused })
        {
            if ((await ListAsync(sequenceId, status, null, new PageRequest(1, null), cancellationToken)).Items.Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<TableEntity> Rows(Enrollment? e)
    {
        if (e is null)
        {
            yield break;
        }

        var status = Name(e.Status);
        yield return new TableEntity(e.SequenceId, $"s|{status}|{e.Id}") { [nameof(Enrollment.Revision)] = e.Revision };
        yield return new TableEntity(e.SequenceId, $"u|{e.SenderUserId}|{status}|{e.Id}") { [nameof(Enrollment.Revision)] = e.Revision };
        if (e.Status == EnrollmentStatus.Active && e.Phase is StepPhase.Waiting or StepPhase.Executing && e.DueAt is { } due)
        {
            yield return new TableEntity(DuePartition(e.SenderUserId), $"{Due(due)}|{e.Id}")
            {
                ["EnrollmentId"] = e.Id,
                ["SequenceId"] = e.SequenceId,
                ["ContactId"] = e.ContactId,
                ["Step"] = e.CurrentStep,
                ["DueAt"] = due,
            };
        }
    }

    private static string Name(EnrollmentStatus status) => status.ToString().ToLowerInvariant();

    private static string DuePartition(string userId) => $"due|{userId}";

    private static string Due(DateTimeOffset at) => at.UtcDateTime.ToString(DueFormat, CultureInfo.InvariantCulture);
}

/// <summary>
/// Table <c>Lists</c>, partition = the list id: row <c>list</c> (the definition) and, for a static
/// list, a row <c>m|{contactId}</c> per member (a page of members is a key range).
/// </summary>
internal sealed class ContactListStore(StorageClients clients) : IContactListStore
{
    private const string DefinitionRow = "list";
    private readonly TableClient _table = clients.Table(TableNames.Lists);

    public async Task CreateAsync(ContactList list, IReadOnlyCollection<string> members, CancellationToken cancellationToken)
    {
        // Members first: a list is visible only once complete.
        foreach (var chunk in members.Chunk(100))
        {
            await _table.SubmitTransactionAsync(
                chunk.Select(id => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(list.Id, "m|" + id))), cancellationToken);
        }

        await TableOps.InsertAsync(_table, AutomationStore.Entity(list.Id, DefinitionRow, list), cancellationToken);
    }

    public async Task<ContactList?> GetAsync(string listId, CancellationToken cancellationToken) =>
        await TableOps.GetAsync<JsonEntity>(_table, listId, DefinitionRow, cancellationToken) is { } e ? AutomationStore.Read<ContactList>(e) : null;

    public Task<ListPage<string>> MembersAsync(string listId, PageRequest page, CancellationToken cancellationToken) =>
        KeyRange.ReadAsync(_table, listId, "m|", page, (TableEntity r) => r.RowKey[2..], cancellationToken);

    public async Task ReplaceAsync(ContactList list, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(AutomationStore.Entity(list.Id, DefinitionRow, list), TableUpdateMode.Replace, cancellationToken);

    public async Task DeleteAsync(string listId, CancellationToken cancellationToken)
    {
        await _table.DeleteEntityAsync(listId, DefinitionRow, ETag.All, cancellationToken);
        var rows = _table.QueryAsync<TableEntity>(e => e.PartitionKey == listId, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken);
        var batch = new List<TableTransactionAction>(100);
        await foreach (var row in rows)
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
            if (batch.Count == 100)
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await _table.SubmitTransactionAsync(batch, cancellationToken);
        }
    }
}
