using Azure;
using Azure.Data.Tables;

namespace Sequences.Storage.Tables;

/// <summary>Point reads and conditional writes, with lost races mapped to the core's ConcurrencyException.</summary>
internal static class TableOps
{
    public static async Task<T?> GetAsync<T>(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var response = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public static async Task<string> InsertAsync(TableClient table, ITableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.AddEntityAsync(entity, cancellationToken);
            return response.Headers.ETag?.ToString() ?? "";
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            throw TableJson.Conflict(e);
        }
    }

    public static async Task<string> ReplaceAsync(TableClient table, ITableEntity entity, string etag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.UpdateEntityAsync(entity, new ETag(etag), TableUpdateMode.Replace, cancellationToken);
            return response.Headers.ETag?.ToString() ?? "";
        }
        catch (RequestFailedException e) when (TableJson.IsConflict(e))
        {
            throw TableJson.Conflict(e);
        }
    }

    /// <summary>Inserts when <paramref name="etag"/> is null, else replaces only if unchanged.</summary>
    public static Task<string> WriteAsync(TableClient table, ITableEntity entity, string? etag, CancellationToken cancellationToken) =>
        etag is null ? InsertAsync(table, entity, cancellationToken) : ReplaceAsync(table, entity, etag, cancellationToken);

    public static async Task<string> UpsertAsync(TableClient table, ITableEntity entity, CancellationToken cancellationToken)
    {
        var response = await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        return response.Headers.ETag?.ToString() ?? "";
    }
}
