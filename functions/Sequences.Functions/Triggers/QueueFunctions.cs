using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Sequences.Core.Engine;
using Sequences.Core.Inbound;
using Sequences.Functions.Hosting;
using Sequences.Storage;
using Sequences.Storage.Tables;

namespace Sequences.Functions.Triggers;

/// <summary>
/// The queue-triggered functions: inbound mail and events, bounces, and pages of bulk operations.
/// A message that fails is retried by the host and, after <c>maxDequeueCount</c>, moved to the
/// queue's <c>-poison</c> queue; one that cannot even be read is dead-lettered at once. They end
/// or change enrollments, so they wake workflows (see <see cref="Workflow.DurableClientAccessor"/>).
/// </summary>
internal sealed class QueueFunctions(InboundService inbound, BulkOperations operations, StorageClients clients, ILogger<QueueFunctions> logger)
{
    public const string InboundQueueName = "%Storage:Prefix%-inbound";
    public const string BouncesQueueName = "%Storage:Prefix%-bounces";
    public const string OperationsQueueName = "%Storage:Prefix%-operations";

    [Function(nameof(InboundQueue))]
    public Task InboundQueue(
        [QueueTrigger(InboundQueueName, Connection = "AzureWebJobsStorage")] string message, [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        HandleInboundAsync("inbound", message, ct);

    [Function(nameof(BouncesQueue))]
    public Task BouncesQueue(
        [QueueTrigger(BouncesQueueName, Connection = "AzureWebJobsStorage")] string message, [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        HandleInboundAsync("bounces", message, ct);

    /// <summary>One page of a bulk operation (pause, resume or end every enrollment of a sequence or sender).</summary>
    [Function(nameof(BulkOperationPage))]
    public async Task BulkOperationPage(
        [QueueTrigger(OperationsQueueName, Connection = "AzureWebJobsStorage")] string message, [DurableClient] DurableTaskClient durableClient, CancellationToken ct)
    {
        using var storage = StorageMetrics.Activity("operations");
        using var span = TelemetrySetup.StartQueueMessage("operations");
        BulkOperation operation;
        try
        {
            operation = BulkOperation.Parse(message);
        }
        catch (FormatException e)
        {
            await DeadLetterAsync("operations", message, e.Message, ct);
            return;
        }

        await operations.RunPageAsync(operation, ct);
    }

    private async Task HandleInboundAsync(string queue, string message, CancellationToken ct)
    {
        using var storage = StorageMetrics.Activity("inbound");
        using var span = TelemetrySetup.StartQueueMessage(queue);
        InboundItem item;
        try
        {
            item = InboundJson.Read(message);
        }
        catch (FormatException e)
        {
            await DeadLetterAsync(queue, message, e.Message, ct);
            return;
        }

        span?.SetTag("sequences.inbound.kind", item.Kind);
        await inbound.HandleAsync(item, ct);
        Telemetry.InboundProcessed.Add(1, new KeyValuePair<string, object?>("kind", item.Kind));
    }

    /// <summary>A message that can never be read goes to the poison queue at once, with the reason, instead of failing five times.</summary>
    private async Task DeadLetterAsync(string queue, string message, string reason, CancellationToken ct)
    {
        logger.DeadLettered(queue, reason);
        await clients.Queue($"{queue}-poison").SendMessageAsync(JsonSerializer.Serialize(new { reason, message }), timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: ct);
    }
}
