using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Sequences.Core.Inbound;
using Sequences.Core.Ports;

namespace Sequences.Storage.Tables;

internal sealed class IndexEntity : EntityBase;

/// <summary>
/// Contacts by normalised address (<c>e|address</c>) and by company domain (<c>d|domain</c>), one
/// partition per key. Free-mail domains are not indexed: they say nothing about a company, and
/// their partitions would be huge.
/// </summary>
internal sealed class ContactIndex(StorageClients clients) : IContactIndex
{
    private readonly TableClient _table = clients.Table(TableNames.ContactIndex);

    public async Task UpdateAsync(string contactId, string? oldEmail, string? newEmail, CancellationToken cancellationToken)
    {
        var stale = Keys(oldEmail).Except(Keys(newEmail)).ToList();
        foreach (var pk in stale)
        {
            await _table.DeleteEntityAsync(pk, contactId, ETag.All, cancellationToken);
        }

        // Upsert even when unchanged: a write lost to a crash earlier heals on the next PUT.
        foreach (var pk in Keys(newEmail))
        {
            await _table.UpsertEntityAsync(new IndexEntity { PartitionKey = pk, RowKey = contactId }, TableUpdateMode.Replace, cancellationToken);
        }
    }

    public Task<IReadOnlyList<string>> FindByEmailAsync(string email, CancellationToken cancellationToken) =>
        ListAsync(EmailKey(email), 100, cancellationToken);

    public Task<IReadOnlyList<string>> FindByDomainAsync(string domain, int max, CancellationToken cancellationToken) =>
        ListAsync($"d|{domain.ToLowerInvariant()}", max, cancellationToken);

    private async Task<IReadOnlyList<string>> ListAsync(string partitionKey, int max, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var e in _table.QueryAsync<IndexEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), maxPerPage: Math.Min(max, 1000), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            ids.Add(e.RowKey);
            if (ids.Count >= max)
            {
                break;
            }
        }

        return ids;
    }

    private static string EmailKey(string email) => $"e|{EmailAddresses.Normalize(email)}";

    private static IEnumerable<string> Keys(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            yield break;
        }

        yield return EmailKey(email);
        if (EmailAddresses.CompanyDomain(email) is { } domain)
        {
            yield return $"d|{domain}";
        }
    }
}

internal sealed class ProcessedEntity : EntityBase
{
    public DateTimeOffset ProcessedAt { get; set; }
}

internal sealed class UnmatchedEntity : EntityBase
{
    public string Item { get; set; } = "";
}

/// <summary>Processed marks (deduplication of at-least-once deliveries) and the unmatched list, newest first.</summary>
internal sealed class InboundLog(StorageClients clients, TimeProvider time) : IInboundLog
{
    private readonly TableClient _table = clients.Table(TableNames.Inbound);

    public async Task<bool> IsProcessedAsync(string inboundId, CancellationToken cancellationToken)
    {
        var key = Processed(inboundId);
        return await TableOps.GetAsync<ProcessedEntity>(_table, key, key, cancellationToken) is not null;
    }

    public async Task MarkProcessedAsync(string inboundId, CancellationToken cancellationToken)
    {
        // The row key repeats the partition's: see Keys.ContactRow.
        var key = Processed(inboundId);
        await _table.UpsertEntityAsync(new ProcessedEntity { PartitionKey = key, RowKey = key, ProcessedAt = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task AddUnmatchedAsync(UnmatchedInbound item, CancellationToken cancellationToken)
    {
        // Inverted ticks: a plain range query returns the newest first. The id's hash makes a retry write the same row.
        var rowKey = $"{DateTimeOffset.MaxValue.UtcTicks - item.ReceivedAt.UtcTicks:D19}|{Hash(item.Id)[..16]}";
        await _table.UpsertEntityAsync(new UnmatchedEntity { PartitionKey = "unmatched", RowKey = rowKey, Item = JsonSerializer.Serialize(item, TableJson.Options) },
            TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<UnmatchedInbound>> ListUnmatchedAsync(int max, CancellationToken cancellationToken)
    {
        var items = new List<UnmatchedInbound>();
        await foreach (var e in _table.QueryAsync<UnmatchedEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"unmatched"}"), maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            if (JsonSerializer.Deserialize<UnmatchedInbound>(e.Item, TableJson.Options) is { } item)
            {
                items.Add(item);
            }

            if (items.Count >= max)
            {
                break;
            }
        }

        return items;
    }

    private static string Processed(string id) => $"done|{Hash(id)}";

    private static string Hash(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}

/// <summary>The inbound and bounces queues.</summary>
internal sealed class InboundQueue(StorageClients clients, Queues.QueueSignals signals) : IInboundQueue
{
    public const string Inbound = "inbound";
    public const string Bounces = "bounces";

    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);

    public async Task EnqueueAsync(InboundItem item, bool bounce, CancellationToken cancellationToken)
    {
        var queue = clients.Queue(bounce ? Bounces : Inbound);
        await queue.SendMessageAsync(InboundJson.Write(item), null, NeverExpire, cancellationToken);
        signals.Poke(queue.Name);
    }
}

/// <summary>The JSON of inbound queue messages.</summary>
public static class InboundJson
{
    public static string Write(InboundItem item) => JsonSerializer.Serialize(item, TableJson.Options);

    /// <summary>Reads an inbound queue message; throws <see cref="FormatException"/> for anything else.</summary>
    public static InboundItem Read(string json)
    {
        try
        {
            var item = JsonSerializer.Deserialize<InboundItem>(json, TableJson.Options);
            var complete = item?.Kind switch
            {
                // A bounce from "MAILER-DAEMON <>" has a name and no address.
                InboundItem.EmailKind => item.Email is { } email && (email.From.Length > 0 || email.FromName is { Length: > 0 }),
                InboundItem.ReportKind => item.Report is { EventId.Length: > 0 },
                InboundItem.MeetingKind => item.Meeting is { UserId.Length: > 0 },
                InboundItem.AutomationKind => item.Automation is { EventId.Length: > 0, Type.Length: > 0 },
                _ => false,
            };
            return complete ? item! : throw new FormatException("The inbound message lacks its kind or its content.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"The inbound message is not valid JSON: {e.Message}", e);
        }
    }
}
