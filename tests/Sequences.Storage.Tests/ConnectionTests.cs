using Microsoft.Extensions.Configuration;

namespace Sequences.Storage.Tests;

public class ConnectionTests
{
    private static StorageConnection? Read(params (string Key, string Value)[] settings) =>
        StorageConnection.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void A_connection_string_is_used_as_is()
    {
        var c = Read(("AzureWebJobsStorage", "UseDevelopmentStorage=true"))!;
        Assert.Equal("UseDevelopmentStorage=true", c.ConnectionString);
        Assert.False(c.UsesIdentity);
    }

    [Fact]
    public void Identity_based_settings_give_service_uris_and_a_managed_identity()
    {
        var c = Read(
            ("AzureWebJobsStorage:queueServiceUri", "https://acct.queue.core.windows.net"),
            ("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net"),
            ("AzureWebJobsStorage:blobServiceUri", "https://acct.blob.core.windows.net"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"))!;
        Assert.True(c.UsesIdentity);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net"), c.QueueServiceUri);
        Assert.Equal(new Uri("https://acct.blob.core.windows.net"), c.BlobServiceUri);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(c.Credential);
    }

    [Fact]
    public void An_account_name_alone_implies_the_public_cloud_endpoints()
    {
        var c = Read(("AzureWebJobsStorage:accountName", "acct"))!;
        Assert.Equal(new Uri("https://acct.table.core.windows.net"), c.TableServiceUri);
        Assert.Equal(new Uri("https://acct.blob.core.windows.net"), c.BlobServiceUri);
    }

    [Fact]
    public void Nothing_configured_means_no_connection_and_half_a_configuration_is_an_error()
    {
        Assert.Null(Read());
        var e = Assert.Throws<InvalidOperationException>(() => Read(("AzureWebJobsStorage:queueServiceUri", "https://acct.queue.core.windows.net")));
        Assert.Contains("tableServiceUri", e.Message, StringComparison.Ordinal);
    }
}
