using Azure.Storage.Queues;
using Sequences.Core.Engine;
using Sequences.Core.Ports;

namespace Sequences.Storage.Queues;

/// <summary>The work queue. Messages never expire; their invisibility is kept short by the scheduler.</summary>
internal sealed class WorkQueue(StorageClients clients, QueueSignals signals) : IWorkQueue
{
    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);
    private readonly QueueClient _queue = clients.Queues.GetQueueClient(clients.Options.WorkQueue);

    public Task EnqueueAsync(WorkMessage message, TimeSpan delay, CancellationToken cancellationToken) =>
        SendAsync(message.ToJson(), delay, cancellationToken);

    public Task EnqueueBatchAsync(IReadOnlyList<WorkMessage> messages, TimeSpan delay, CancellationToken cancellationToken) =>
        SendAsync(WorkEnvelope.ToJson(messages), delay, cancellationToken);

    public Task EnqueueAsync(BulkOperation operation, CancellationToken cancellationToken) =>
        SendAsync(WorkEnvelope.ToJson(operation), TimeSpan.Zero, cancellationToken);

    private async Task SendAsync(string body, TimeSpan delay, CancellationToken cancellationToken)
    {
        // Queue invisibility is counted in whole seconds; rounding up means a message never
        // arrives before its due time (an early one would only be deferred again).
        var visibility = delay > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds)) : TimeSpan.Zero;
        await _queue.SendMessageAsync(body, visibility > TimeSpan.Zero ? visibility : null, NeverExpire, cancellationToken);
        if (visibility <= TimeSpan.Zero)
        {
            signals.Poke(clients.Options.WorkQueue);
        }
        else
        {
            signals.PokeAt(clients.Options.WorkQueue, visibility + TimeSpan.FromMilliseconds(20));
        }
    }
}

/// <summary>
/// In-process wake-ups for the local queue listeners: a message this process just enqueued is
/// picked up at once instead of at the next poll, which keeps first-email latency low without
/// polling storage hard. Other processes still find it by polling.
/// </summary>
public sealed class QueueSignals
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _signals = new(StringComparer.Ordinal);

    public void Poke(string queue)
    {
        try
        {
            Get(queue).Release();
        }
        catch (SemaphoreFullException)
        {
            // Already poked: one wake-up covers any number of new messages.
        }
    }

    public void PokeAt(string queue, TimeSpan delay)
    {
        _ = Task.Delay(delay).ContinueWith(_ => Poke(queue), TaskScheduler.Default);
    }

    /// <summary>Waits until poked (true) or <paramref name="timeout"/> passes (false).</summary>
    public Task<bool> WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken) =>
        Get(queue).WaitAsync(timeout, cancellationToken);

    private SemaphoreSlim Get(string queue) => _signals.GetOrAdd(queue, _ => new SemaphoreSlim(0, 1));
}
