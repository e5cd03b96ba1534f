using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Storage.Tables;

internal sealed class IdempotencyEntity : EntityBase
{
    public string Fingerprint { get; set; } = "";
    public bool Done { get; set; }
    public int Status { get; set; }
    public string? ContentType { get; set; }
    public string? Body0 { get; set; }
    public string? Body1 { get; set; }
    public string? Body2 { get; set; }
    public string? Body3 { get; set; }
    public string? Location { get; set; }
    public DateTimeOffset StartedAt { get; set; }
}

/// <summary>
/// Idempotency keys, one row each (the key is hashed into the partition key, repeated as the row
/// key: see <see cref="Keys.ContactRow"/>). A started row that
/// never completed is taken over after a while (its request died); any row is forgotten after a day.
/// </summary>
internal sealed class IdempotencyStore(StorageClients clients, TimeProvider time) : IIdempotencyStore
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);
    private readonly TableClient _table = clients.Table(TableNames.Idempotency);

    public async Task<IdempotencyClaim> BeginAsync(string scope, string key, string fingerprint, CancellationToken cancellationToken)
    {
        var pk = PartitionKey(scope, key);
        var now = time.GetUtcNow();
        var fresh = new IdempotencyEntity { PartitionKey = pk, RowKey = pk, Fingerprint = fingerprint, StartedAt = now };
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var existing = await TableOps.GetAsync<IdempotencyEntity>(_table, pk, pk, cancellationToken);
            try
            {
                if (existing is null)
                {
                    await TableOps.InsertAsync(_table, fresh, cancellationToken);
                    return new IdempotencyClaim(IdempotencyOutcome.Started);
                }

                var expired = now - existing.StartedAt > Retention;
                var dead = !existing.Done && now - existing.StartedAt > Abandoned;
                if (!expired && !dead)
                {
                    if (existing.Fingerprint != fingerprint)
                    {
                        return new IdempotencyClaim(IdempotencyOutcome.Mismatch);
                    }

                    return existing.Done
                        ? new IdempotencyClaim(IdempotencyOutcome.Replay, new StoredResponse(existing.Status, existing.ContentType ?? "application/json",
                            TableJson.Join(existing.Body0, existing.Body1, existing.Body2, existing.Body3), existing.Location))
                        : new IdempotencyClaim(IdempotencyOutcome.InProgress);
                }

                await TableOps.ReplaceAsync(_table, fresh, existing.ETag.ToString(), cancellationToken);
                return new IdempotencyClaim(IdempotencyOutcome.Started);
            }
            catch (Core.Errors.ConcurrencyException)
            {
                // Raced with the same key: look again.
            }
        }

        return new IdempotencyClaim(IdempotencyOutcome.InProgress);
    }

    public async Task CompleteAsync(string scope, string key, StoredResponse response, CancellationToken cancellationToken)
    {
        var body = TableJson.Split(response.Body, 4 * StoredJson.PropertyChars);
        var pk = PartitionKey(scope, key);
        var existing = await TableOps.GetAsync<IdempotencyEntity>(_table, pk, pk, cancellationToken);
        await _table.UpsertEntityAsync(new IdempotencyEntity
        {
            PartitionKey = pk,
            RowKey = pk,
            Fingerprint = existing?.Fingerprint ?? "",
            Done = true,
            Status = response.Status,
            ContentType = response.ContentType,
            Body0 = body[0],
            Body1 = body[1],
            Body2 = body[2],
            Body3 = body[3],
            Location = response.Location,
            StartedAt = existing?.StartedAt ?? time.GetUtcNow(),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task AbandonAsync(string scope, string key, CancellationToken cancellationToken)
    {
        var pk = PartitionKey(scope, key);
        await _table.DeleteEntityAsync(pk, pk, ETag.All, cancellationToken);
    }

    private static string PartitionKey(string scope, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{scope}\n{key}")));
}
