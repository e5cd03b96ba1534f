using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Sequences.Core.Engine;
using Sequences.Functions.Hosting;

namespace Sequences.Functions.Triggers;

/// <summary>The periodic work: repairing enrollments whose workflow was lost, and purging old workflow history.</summary>
internal sealed class TimerFunctions(Reconciler reconciler, IOptions<WorkflowOptions> options, TimeProvider time, ILogger<TimerFunctions> logger)
{
    /// <summary>Every two minutes: active enrollments overdue by more than Workflow:OverdueAfter get their workflow woken or started again.</summary>
    [Function(nameof(Reconcile))]
    public Task Reconcile([TimerTrigger("0 */2 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        reconciler.RunAsync(ct);

    /// <summary>
    /// Daily: deletes the history of workflows that finished more than Workflow:KeepHistory ago.
    /// The enrollment records keep everything users see; the history only serves debugging.
    /// </summary>
    [Function(nameof(PurgeHistory))]
    public async Task PurgeHistory([TimerTrigger("0 17 3 * * *")] TimerInfo timer, [DurableClient] DurableTaskClient durableClient, CancellationToken ct)
    {
        var filter = new PurgeInstancesFilter(
            CreatedFrom: null,
            CreatedTo: time.GetUtcNow() - options.Value.KeepHistory,
            Statuses: [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated]);
        var result = await durableClient.PurgeAllInstancesAsync(filter, ct);
        logger.HistoryPurged(result.PurgedInstanceCount, options.Value.KeepHistory);
    }
}
