using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sequences.Core.Decisions;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>
/// Correctness never depends on an enrollment's workflow: if one is lost (its task hub deleted),
/// failed, never woken (a lost wake-up) or stuck (it no longer answers), its enrollment sits
/// overdue in Tables. Run on a timer, this finds active enrollments overdue by more than
/// <see cref="WorkflowOptions.OverdueAfter"/> and wakes their workflow, or starts a new one; one
/// this process still finds overdue <see cref="WorkflowOptions.ReplaceAfter"/> after it first did
/// gets a new workflow under a new instance id (<see cref="Enrollment.WorkflowId"/>), which nothing
/// left over from the old one can reach, and the old one ends at its next run. A repaired workflow runs the step
/// through the same guarded path as any other, so a repair that races a live workflow is harmless.
/// </summary>
public sealed class Reconciler(
    IEnrollmentStore enrollments,
    IEnrollmentWorkflows workflows,
    TransitionWriter writer,
    IReconcileLog log,
    IOptions<WorkflowOptions> options,
    TimeProvider time,
    ILogger<Reconciler> logger)
{
    /// <summary>The most workflows one run replaces (replacing is for the few that are stuck, not for a backlog).</summary>
    public const int ReplaceBatch = 100;

    /// <summary>When this process first found each enrollment overdue (and has found it so on every run since).</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _overdueSince = new(StringComparer.Ordinal);

    public async Task<ReconcileReport> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var overdue = await enrollments.ListOverdueAsync(now - o.OverdueAfter, o.ReconcileBatch, cancellationToken);
        var stuck = Track(overdue, now).Where(d => now - d.Since >= o.ReplaceAfter).OrderBy(d => d.Since).Take(ReplaceBatch).Select(d => d.Item).ToHashSet();
        var repairs = new int[Enum.GetValues<WorkflowRepair>().Length];
        await Parallel.ForEachAsync(overdue, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            var repair = stuck.Contains(item) && await ReplaceAsync(item, now, ct)
                ? WorkflowRepair.Replaced
                : await workflows.EnsureRunningAsync(item.EnrollmentId, item.WorkflowId, ct);
            if (repair == WorkflowRepair.Replaced)
            {
                // The new workflow gets the whole ReplaceAfter before it is replaced in turn.
                _overdueSince[item.EnrollmentId] = now;
            }

            Interlocked.Increment(ref repairs[(int)repair]);
        });

        var woken = repairs[(int)WorkflowRepair.Woken];
        var started = repairs[(int)WorkflowRepair.Started] + repairs[(int)WorkflowRepair.Replaced];
        var report = new ReconcileReport(now, overdue.Count, overdue.Count == 0 ? null : overdue.Min(d => d.DueAt), woken, started);
        await log.SaveAsync(report, cancellationToken);
        if (overdue.Count > 0)
        {
            logger.Reconciled(overdue.Count, o.OverdueAfter, woken, started);
        }

        return report;
    }

    /// <summary>A new instance id for an enrollment's workflow, unique to the moment it replaces another.</summary>
    private static string ReplacementId(string enrollmentId, DateTimeOffset at) =>
        $"{enrollmentId}~{at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Each overdue enrollment with when this process first found it so; forgets the ones no longer overdue.</summary>
    private IEnumerable<(OverdueEnrollment Item, DateTimeOffset Since)> Track(IReadOnlyList<OverdueEnrollment> overdue, DateTimeOffset now)
    {
        var ids = overdue.Select(d => d.EnrollmentId).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _overdueSince.Keys.Where(k => !ids.Contains(k)))
        {
            _overdueSince.TryRemove(gone, out _);
        }

        return overdue.Select(d => (d, _overdueSince.GetOrAdd(d.EnrollmentId, now))).ToList();
    }

    /// <summary>Names a new workflow on the record (conditionally: a change meanwhile leaves it to the next run), then starts it.</summary>
    private async Task<bool> ReplaceAsync(OverdueEnrollment item, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var current = await enrollments.GetAsync(item.EnrollmentId, cancellationToken);
        if (current?.Value is not { Status: EnrollmentStatus.Active } e || e.Workflow != item.WorkflowId)
        {
            return false;
        }

        var workflowId = ReplacementId(e.Id, now);
        try
        {
            await writer.ApplyAsync(new Transition(e with { WorkflowId = workflowId }), current, cancellationToken);
        }
        catch (ConcurrencyException)
        {
            return false;
        }

        await workflows.ReplaceAsync(e.Id, workflowId, cancellationToken);
        logger.WorkflowReplaced(e.Id, item.DueAt, workflowId);
        return true;
    }
}
