using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>
/// Moves due timers from the schedule index onto the work queue. Each pass takes the entries due
/// within the look-ahead, enqueues each invisible until its due time, then deletes them. A crash
/// between enqueue and delete enqueues twice on the next pass, which the step guard absorbs; the
/// reverse order could lose a timer, so it is never used. One dispatcher runs at a time (lease).
/// </summary>
public sealed class Dispatcher(
    IScheduleIndex index,
    IWorkQueue queue,
    ILeaseStore leases,
    IOptions<SchedulingOptions> options,
    TimeProvider time,
    ILogger<Dispatcher> logger)
{
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Runs one pass; returns how many timers it moved (0 when another process holds the lease).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!await leases.TryAcquireAsync("dispatcher", _owner, o.LeaseDuration, cancellationToken))
        {
            return 0;
        }

        var moved = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var due = await index.GetDueAsync(now + o.LookAhead, o.PageSize, cancellationToken);
            if (due.Count == 0)
            {
                break;
            }

            // Timers due in the same second travel together: one queue message per batch.
            var batches = due
                .GroupBy(e => (long)Math.Ceiling(Math.Max(0, (e.DueAt - now).TotalSeconds)))
                .SelectMany(g => g.Chunk(WorkEnvelope.MaxBatch).Select(chunk => (Seconds: g.Key, Messages: chunk.Select(e => e.Message).ToList())));
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (batch, ct) => await queue.EnqueueBatchAsync(batch.Messages, TimeSpan.FromSeconds(batch.Seconds), ct));
            await index.RemoveAsync(due, cancellationToken);
            moved += due.Count;
            if (due.Count < o.PageSize)
            {
                break;
            }
        }

        if (moved > 0)
        {
            logger.Dispatched(moved);
        }

        return moved;
    }
}
