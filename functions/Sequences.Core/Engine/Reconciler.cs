using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>
/// Correctness never depends on an enrollment's workflow: if one is lost (its task hub deleted),
/// failed, or never woken (a lost wake-up), its enrollment sits overdue in Tables. Run on a timer,
/// this finds active enrollments overdue by more than <see cref="WorkflowOptions.OverdueAfter"/>
/// and wakes their workflow, or starts a new one. A repaired workflow runs the step through the
/// same guarded path as any other, so a repair that races a live workflow is harmless.
/// </summary>
public sealed class Reconciler(
    IEnrollmentStore enrollments,
    IEnrollmentWorkflows workflows,
    IReconcileLog log,
    IOptions<WorkflowOptions> options,
    TimeProvider time,
    ILogger<Reconciler> logger)
{
    public async Task<ReconcileReport> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var overdue = await enrollments.ListOverdueAsync(now - o.OverdueAfter, o.ReconcileBatch, cancellationToken);
        var woken = 0;
        var started = 0;
        await Parallel.ForEachAsync(overdue, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            if (await workflows.EnsureRunningAsync(item.EnrollmentId, ct) == WorkflowRepair.Started)
            {
                Interlocked.Increment(ref started);
            }
            else
            {
                Interlocked.Increment(ref woken);
            }
        });

        var report = new ReconcileReport(now, overdue.Count, overdue.Count == 0 ? null : overdue.Min(d => d.DueAt), woken, started);
        await log.SaveAsync(report, cancellationToken);
        if (overdue.Count > 0)
        {
            logger.Reconciled(overdue.Count, o.OverdueAfter, woken, started);
        }

        return report;
    }
}
