using Sequences.Core.Engine;

namespace Sequences.Core.Ports;

/// <summary>Puts work on the work queue.</summary>
public interface IWorkQueue
{
    /// <summary>Enqueues <paramref name="message"/>, invisible for <paramref name="delay"/> (kept short: long timers go to the schedule index).</summary>
    Task EnqueueAsync(WorkMessage message, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Enqueues several work messages as one queue message (at most <see cref="WorkEnvelope.MaxBatch"/>).</summary>
    Task EnqueueBatchAsync(IReadOnlyList<WorkMessage> messages, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Enqueues one page of a bulk operation.</summary>
    Task EnqueueAsync(BulkOperation operation, CancellationToken cancellationToken);
}

/// <summary>Durable timers: work that becomes due at a given time.</summary>
public interface IWorkScheduler
{
    /// <summary>Makes <paramref name="message"/> run at <paramref name="dueAt"/> (or now, if that is past).</summary>
    Task ScheduleAsync(WorkMessage message, DateTimeOffset dueAt, CancellationToken cancellationToken);
}

/// <summary>An entry of the schedule index.</summary>
public sealed record ScheduledEntry(WorkMessage Message, DateTimeOffset DueAt, object Handle);

/// <summary>The Table schedule index, keyed by due time, that the dispatcher drains.</summary>
public interface IScheduleIndex
{
    Task AddAsync(WorkMessage message, DateTimeOffset dueAt, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> entries due at or before <paramref name="until"/>, earliest first.</summary>
    Task<IReadOnlyList<ScheduledEntry>> GetDueAsync(DateTimeOffset until, int max, CancellationToken cancellationToken);

    Task RemoveAsync(IReadOnlyList<ScheduledEntry> entries, CancellationToken cancellationToken);

    /// <summary>The earliest due time in the index, if any (for lag reporting).</summary>
    Task<DateTimeOffset?> GetEarliestDueAsync(CancellationToken cancellationToken);
}

/// <summary>Named leases shared across processes (one dispatcher at a time).</summary>
public interface ILeaseStore
{
    Task<bool> TryAcquireAsync(string name, string owner, TimeSpan duration, CancellationToken cancellationToken);
}
