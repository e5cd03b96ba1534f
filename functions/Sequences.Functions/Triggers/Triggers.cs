using System.Text.Json;
using Sequences.Core.Engine;
using Sequences.Core.Inbound;
using Sequences.Core.Ports;
using Sequences.Functions.Hosting;
using Sequences.Storage;
using Sequences.Storage.Tables;

namespace Sequences.Functions.Triggers;

/// <summary>
/// What each queue and timer function does. Both hosting paths call these: the local listeners
/// and dispatcher loop, and the custom-handler envelope endpoints the Functions host posts to.
/// </summary>
internal sealed class WorkTrigger(StepRunner steps, BulkOperations operations, Sequences.Core.Automation.AutomationService automation, IWorkQueue queue, ILogger<WorkTrigger> logger)
{
    public const string FunctionName = "WorkQueue";
    public const string BindingName = "message";

    /// <summary>A batch item that failed is retried alone after this long, with the queue's usual retry and poison rules.</summary>
    private static readonly TimeSpan ItemRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>Handles one queue message. Throws on failure so the message is retried (and, in the end, poisoned).</summary>
    public async Task HandleAsync(string messageText, CancellationToken cancellationToken)
    {
        using var activity = StorageMetrics.Activity("step");
        using var span = TelemetrySetup.StartQueueMessage("work");
        var items = WorkEnvelope.ParseAny(messageText);
        if (items.Operation is { } operation)
        {
            await operations.RunPageAsync(operation, cancellationToken);
            return;
        }

        var messages = items.Steps;
        if (messages.Count == 1)
        {
            await RunAsync(messages[0], cancellationToken);
            return;
        }

        // A batch from the dispatcher: run its steps side by side. One failing step must not hold
        // back or repeat the others, so it goes back on the queue as a message of its own.
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (message, ct) =>
        {
            try
            {
                await RunAsync(message, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.BatchItemFailed(message.EnrollmentId, message.SequenceId, message.Step, e);
                await queue.EnqueueAsync(message, ItemRetryDelay, ct);
            }
        });
    }

    private Task RunAsync(WorkMessage message, CancellationToken cancellationToken) => message.Type switch
    {
        WorkTypes.Step => steps.HandleAsync(message, cancellationToken),
        WorkTypes.PendingEnrollment => automation.RunPendingAsync(message, cancellationToken),
        _ => throw new FormatException($"Unknown work message type '{message.Type}'."),
    };
}

internal sealed class DispatcherTrigger(Dispatcher dispatcher)
{
    public const string FunctionName = "Dispatcher";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var activity = StorageMetrics.Activity("dispatcher");
        return await dispatcher.RunOnceAsync(cancellationToken);
    }
}

/// <summary>
/// The inbound and bounces queue triggers. A message the processor cannot read is dead-lettered
/// at once, to the queue's poison queue with the reason, instead of failing five times.
/// </summary>
internal sealed class InboundTrigger(InboundService inbound, StorageClients clients, ILogger<InboundTrigger> logger)
{
    public const string InboundFunction = "InboundQueue";
    public const string BouncesFunction = "BouncesQueue";
    public const string BindingName = "message";

    public async Task HandleAsync(string queue, string messageText, CancellationToken cancellationToken)
    {
        using var activity = StorageMetrics.Activity("inbound");
        using var span = TelemetrySetup.StartQueueMessage(queue);
        InboundItem item;
        try
        {
            item = InboundJson.Read(messageText);
        }
        catch (FormatException e)
        {
            logger.DeadLettered(queue, e.Message);
            var poison = clients.Queue($"{queue}-poison");
            await poison.SendMessageAsync(JsonSerializer.Serialize(new { reason = e.Message, message = messageText }), timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
            return;
        }

        span?.SetTag("sequences.inbound.kind", item.Kind);
        await inbound.HandleAsync(item, cancellationToken);
        Sequences.Core.Engine.Telemetry.InboundProcessed.Add(1, new KeyValuePair<string, object?>("kind", item.Kind));
    }
}
