using Microsoft.Extensions.Options;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>
/// Sets durable timers: work due within the dispatcher's look-ahead goes straight onto the queue,
/// invisible until due (exactly what the dispatcher would do with it on its next pass); anything
/// later goes into the schedule index. No queue message is ever invisible for longer than the
/// look-ahead.
/// </summary>
public sealed class WorkScheduler(IWorkQueue queue, IScheduleIndex index, IOptions<SchedulingOptions> options, TimeProvider time) : IWorkScheduler
{
    public Task ScheduleAsync(WorkMessage message, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var wait = dueAt - time.GetUtcNow();
        if (wait <= options.Value.LookAhead)
        {
            return queue.EnqueueAsync(message, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken);
        }

        return index.AddAsync(message, dueAt, cancellationToken);
    }
}
