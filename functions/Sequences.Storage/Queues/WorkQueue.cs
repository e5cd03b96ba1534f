using Azure.Storage.Queues;
using Sequences.Core.Engine;
using Sequences.Core.Ports;

namespace Sequences.Storage.Queues;

/// <summary>The work queue. Messages never expire; their invisibility is kept short by the scheduler.</summary>
internal sealed class WorkQueue(StorageClients clients, QueueSignals signals) : IWorkQueue
{
    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);
    private readonly QueueClient _queue = clients.Queues.GetQueueClient(clients.Options.WorkQueue);

    public async Task EnqueueAsync(WorkMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        await _queue.SendMessageAsync(message.ToJson(), delay > TimeSpan.Zero ? delay : null, NeverExpire, cancellationToken);
        if (delay <= TimeSpan.Zero)
        {
            signals.Poke(clients.Options.WorkQueue);
        }
        else
        {
            signals.PokeAt(clients.Options.WorkQueue, delay);
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
        var s = Get(queue);
        if (s.CurrentCount == 0)
        {
            s.Release();
        }
    }

    public void PokeAt(string queue, TimeSpan delay)
    {
        _ = Task.Delay(delay).ContinueWith(_ => Poke(queue), TaskScheduler.Default);
    }

    /// <summary>Waits until poked or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken) =>
        Get(queue).WaitAsync(timeout, cancellationToken);

    private SemaphoreSlim Get(string queue) => _signals.GetOrAdd(queue, _ => new SemaphoreSlim(0, 1));
}
