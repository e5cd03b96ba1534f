using Azure;
using Sequences.Core.Ports;

namespace Sequences.Storage;

/// <summary>A queue's backlog: approximate depth and the age of the oldest visible message.</summary>
public sealed record QueueHealth(string Name, int ApproximateDepth, TimeSpan? OldestMessageAge);

/// <summary>What the health endpoint reports.</summary>
public sealed record StorageHealthReport(
    bool Reachable,
    string? Error,
    IReadOnlyList<QueueHealth> Queues,
    IReadOnlyList<QueueHealth> PoisonQueues,
    ReconcileReport? Reconciler);

/// <summary>Reads the real figures of storage, queues and the reconciler's latest report.</summary>
public sealed class StorageHealth(StorageClients clients, IReconcileLog reconciler, TimeProvider time)
{
    public async Task<StorageHealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var queues = await Task.WhenAll(StorageInitializer.QueueNames.Select(q => QueueAsync(q, cancellationToken)));
            var poison = await Task.WhenAll(StorageInitializer.QueueNames.Select(q => QueueAsync($"{q}-poison", cancellationToken)));
            return new StorageHealthReport(true, null, queues, poison, await reconciler.LatestAsync(cancellationToken));
        }
        catch (RequestFailedException e)
        {
            return new StorageHealthReport(false, $"{e.Status} {e.ErrorCode}: {e.Message.Split('\n')[0]}", [], [], null);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e) || e is TaskCanceledException)
        {
            return new StorageHealthReport(false, e.Message, [], [], null);
        }
    }

    private async Task<QueueHealth> QueueAsync(string name, CancellationToken cancellationToken)
    {
        var queue = clients.Queue(name);
        var properties = await queue.GetPropertiesAsync(cancellationToken);
        TimeSpan? age = null;
        if (properties.Value.ApproximateMessagesCount > 0)
        {
            var peeked = await queue.PeekMessagesAsync(1, cancellationToken);
            if (peeked.Value.FirstOrDefault()?.InsertedOn is { } inserted)
            {
                age = time.GetUtcNow() - inserted;
            }
        }

        return new QueueHealth(queue.Name, properties.Value.ApproximateMessagesCount, age);
    }
}
