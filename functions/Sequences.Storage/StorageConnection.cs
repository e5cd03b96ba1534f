using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Sequences.Storage;

/// <summary>
/// Where storage is, read the way the Functions host reads <c>AzureWebJobsStorage</c>: either a
/// connection string, or identity-based settings (<c>AzureWebJobsStorage__queueServiceUri</c>,
/// <c>__tableServiceUri</c>, <c>__blobServiceUri</c> or <c>__accountName</c>, <c>__credential</c>, <c>__clientId</c>).
/// The blob endpoint is for the Durable Task hub (its leases and large messages).
/// </summary>
public sealed record StorageConnection(string? ConnectionString, Uri? QueueServiceUri, Uri? TableServiceUri, Uri? BlobServiceUri, TokenCredential? Credential)
{
    public const string SettingName = "AzureWebJobsStorage";

    public bool UsesIdentity => ConnectionString is null;

    /// <summary>The connection from configuration, or null when none is configured.</summary>
    public static StorageConnection? FromConfiguration(IConfiguration configuration)
    {
        var connectionString = configuration[SettingName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageConnection(connectionString, null, null, null, null);
        }

        var section = configuration.GetSection(SettingName);
        var accountName = section["accountName"];
        var queueUri = section["queueServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.queue.core.windows.net");
        var tableUri = section["tableServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.table.core.windows.net");
        var blobUri = section["blobServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.blob.core.windows.net");
        if (queueUri is null && tableUri is null && blobUri is null)
        {
            return null;
        }

        if (queueUri is null || tableUri is null || blobUri is null)
        {
            throw new InvalidOperationException(
                $"{SettingName}__queueServiceUri, __tableServiceUri and __blobServiceUri must all be set (or {SettingName}__accountName) for identity-based storage.");
        }

        var clientId = section["clientId"];
        TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
        return new StorageConnection(null, new Uri(queueUri), new Uri(tableUri), new Uri(blobUri), credential);
    }
}
