using Azure;
using Azure.Data.Tables;
using Sequences.Core.Engine;
using Sequences.Core.Ports;
using Sequences.Storage.Tables;

namespace Sequences.Storage.Queues;

/// <summary>
/// The durable timer index: one row per timer, partitioned by due minute, row key starting with the
/// due ticks, so "everything due by T" is a key-range scan returned in due order.
/// </summary>
internal sealed class ScheduleIndex(StorageClients clients) : IScheduleIndex
{
    private readonly TableClient _table = clients.Table(TableNames.Schedule);

    public async Task AddAsync(WorkMessage message, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var entity = new ScheduleEntity
        {
            PartitionKey = Keys.ScheduleBucket(dueAt),
            RowKey = Keys.ScheduleRow(dueAt, message.EnrollmentId, message.Revision, message.Step),
            Message = message.ToJson(),
            DueAt = dueAt,
        };
        // Upsert: the same timer written twice (a retried write) is one timer.
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<ScheduledEntry>> GetDueAsync(DateTimeOffset until, int max, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey le {Keys.ScheduleBucket(until)} and RowKey lt {Keys.ScheduleRowUpperBound(until)}");
        var list = new List<ScheduledEntry>();
        await foreach (var page in _table.QueryAsync<ScheduleEntity>(filter, maxPerPage: max, cancellationToken: cancellationToken).AsPages())
        {
            foreach (var e in page.Values)
            {
                list.Add(new ScheduledEntry(WorkMessage.Parse(e.Message), e.DueAt, new Key(e.PartitionKey, e.RowKey)));
                if (list.Count >= max)
                {
                    return list;
                }
            }

            if (page.ContinuationToken is null)
            {
                break;
            }
        }

        return list;
    }

    public async Task RemoveAsync(IReadOnlyList<ScheduledEntry> entries, CancellationToken cancellationToken)
    {
        // One batch per partition of at most 100 rows: a page of due timers costs a few requests.
        foreach (var group in entries.Select(e => (Key)e.Handle).GroupBy(k => k.PartitionKey))
        {
            foreach (var chunk in group.Chunk(100))
            {
                try
                {
                    await _table.SubmitTransactionAsync(
                        chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(k.PartitionKey, k.RowKey), ETag.All)),
                        cancellationToken);
                }
                catch (TableTransactionFailedException e) when (e.Status == 404)
                {
                    // Some were already removed (a second dispatcher, or a retried pass): remove the rest one by one.
                    foreach (var k in chunk)
                    {
                        await _table.DeleteEntityAsync(k.PartitionKey, k.RowKey, ETag.All, cancellationToken);
                    }
                }
            }
        }
    }

    public async Task<DateTimeOffset?> GetEarliestDueAsync(CancellationToken cancellationToken)
    {
        await foreach (var e in _table.QueryAsync<ScheduleEntity>(maxPerPage: 1, select: ["DueAt"], cancellationToken: cancellationToken))
        {
            return e.DueAt;
        }

        return null;
    }

    private sealed record Key(string PartitionKey, string RowKey);
}
