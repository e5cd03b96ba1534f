using Sequences.Core.Engine;
using Sequences.Core.Ports;

namespace Sequences.Storage.Queues;

/// <summary>The queue of bulk-operation pages (the <c>BulkOperationPage</c> function's trigger).</summary>
internal sealed class OperationQueue(StorageClients clients, QueueSignals signals) : IOperationQueue
{
    public const string Name = "operations";

    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);

    public async Task EnqueueAsync(BulkOperation operation, CancellationToken cancellationToken)
    {
        var queue = clients.Queue(Name);
        await queue.SendMessageAsync(operation.ToJson(), null, NeverExpire, cancellationToken);
        signals.Poke(queue.Name);
    }
}

/// <summary>
/// In-process wake-ups for the standalone host's queue listeners: a message this process just
/// enqueued is picked up at once instead of at the next poll, which keeps latency low without
/// polling storage hard. Other processes (and the Functions host) find it by polling.
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

    /// <summary>Waits until poked (true) or <paramref name="timeout"/> passes (false).</summary>
    public Task<bool> WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken) =>
        Get(queue).WaitAsync(timeout, cancellationToken);

    private SemaphoreSlim Get(string queue) => _signals.GetOrAdd(queue, _ => new SemaphoreSlim(0, 1));
}
