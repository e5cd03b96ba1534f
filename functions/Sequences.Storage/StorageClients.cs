using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Sequences.Storage;

/// <summary>The Azure clients, created once (they are thread-safe and pool connections).</summary>
public sealed class StorageClients
{
    public StorageClients(StorageConnection connection, IOptions<StorageOptions> options, StorageMetrics metrics)
    {
        Options = options.Value;
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(metrics.Policy("table"), HttpPipelinePosition.PerRetry);
        Configure(tableOptions.Retry);

        // The Functions queue trigger expects base64 message bodies (its default messageEncoding).
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queueOptions.AddPolicy(metrics.Policy("queue"), HttpPipelinePosition.PerRetry);
        Configure(queueOptions.Retry);

        if (connection.ConnectionString is { } cs)
        {
            Tables = new TableServiceClient(cs, tableOptions);
            Queues = new QueueServiceClient(cs, queueOptions);
        }
        else
        {
            Tables = new TableServiceClient(connection.TableServiceUri!, connection.Credential!, tableOptions);
            Queues = new QueueServiceClient(connection.QueueServiceUri!, connection.Credential!, queueOptions);
        }
    }

    public StorageOptions Options { get; }
    public TableServiceClient Tables { get; }
    public QueueServiceClient Queues { get; }

    public TableClient Table(string name) => Tables.GetTableClient(Options.TableName(name));

    public QueueClient Queue(string name) => Queues.GetQueueClient(Options.QueueName(name));

    private static void Configure(RetryOptions retry)
    {
        retry.Mode = RetryMode.Exponential;
        retry.MaxRetries = 4;
        retry.Delay = TimeSpan.FromMilliseconds(200);
        retry.MaxDelay = TimeSpan.FromSeconds(5);
        retry.NetworkTimeout = TimeSpan.FromSeconds(30);
    }
}
