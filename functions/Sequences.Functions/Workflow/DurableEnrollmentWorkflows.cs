using DurableTask.Core.Exceptions;
using Grpc.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Sequences.Core.Ports;
using Sequences.Functions.Hosting;

namespace Sequences.Functions.Workflow;

/// <summary>
/// The enrollments' workflows, through the Durable Task client: start (once), wake, repair.
/// A start or a wake-up that fails is logged, not thrown: the enrollment record is already
/// written, and the reconciler starts or wakes the workflow of any enrollment left overdue.
/// </summary>
internal sealed class DurableEnrollmentWorkflows(DurableClientAccessor durable, ILogger<DurableEnrollmentWorkflows> logger) : IEnrollmentWorkflows
{
    /// <summary>Statuses in which an instance is live: starting it again is refused (and a finished one may be replaced).</summary>
    private static readonly string[] Live = [nameof(OrchestrationRuntimeStatus.Pending), nameof(OrchestrationRuntimeStatus.Running), nameof(OrchestrationRuntimeStatus.Suspended)];

    public Task StartAsync(string enrollmentId, CancellationToken cancellationToken) =>
        TryStartAsync(enrollmentId, new EnrollmentWorkflowInput(EnrollmentWorkflow.CurrentVersion, enrollmentId), cancellationToken);

    public Task StartPendingAsync(string enrollmentId, string contactId, DateTimeOffset dueAt, CancellationToken cancellationToken) =>
        TryStartAsync(enrollmentId, new EnrollmentWorkflowInput(EnrollmentWorkflow.CurrentVersion, enrollmentId, dueAt, PendingContactId: contactId), cancellationToken);

    public Task ReplaceAsync(string enrollmentId, string workflowId, CancellationToken cancellationToken) =>
        TryStartAsync(workflowId, new EnrollmentWorkflowInput(EnrollmentWorkflow.CurrentVersion, enrollmentId), cancellationToken);

    public async Task WakeAsync(string workflowId, CancellationToken cancellationToken)
    {
        try
        {
            var client = await durable.GetAsync(cancellationToken);
            await client.RaiseEventAsync(workflowId, EnrollmentWorkflow.WakeEvent, null, cancellationToken);
        }
        catch (RpcException e)
        {
            logger.WakeFailed(workflowId, e.Status.Detail);
        }
    }

    public async Task<WorkflowRepair> EnsureRunningAsync(string enrollmentId, string workflowId, CancellationToken cancellationToken)
    {
        var client = await durable.GetAsync(cancellationToken);
        var instance = await client.GetInstanceAsync(workflowId, getInputsAndOutputs: false, cancellationToken);
        if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended })
        {
            await client.RaiseEventAsync(workflowId, EnrollmentWorkflow.WakeEvent, null, cancellationToken);
            return WorkflowRepair.Woken;
        }

        await StartAsync(client, workflowId, new EnrollmentWorkflowInput(EnrollmentWorkflow.CurrentVersion, enrollmentId), cancellationToken);
        return WorkflowRepair.Started;
    }

    private async Task TryStartAsync(string workflowId, EnrollmentWorkflowInput input, CancellationToken cancellationToken)
    {
        try
        {
            await StartAsync(await durable.GetAsync(cancellationToken), workflowId, input, cancellationToken);
        }
        catch (RpcException e)
        {
            logger.StartFailed(input.EnrollmentId, e.Status.Detail);
        }
    }

    private static async Task StartAsync(DurableTaskClient client, string workflowId, EnrollmentWorkflowInput input, CancellationToken cancellationToken)
    {
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(EnrollmentWorkflow.Name, input,
                new StartOrchestrationOptions(workflowId) { DedupeStatuses = Live }, cancellationToken);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Already running: it reads the enrollment record itself.
        }
    }
}

/// <summary>
/// The Durable Task client the app reaches its workflows with. Standalone, the embedded sidecar's
/// client, set at start. Under the Functions host the client exists only as a binding: functions
/// that may start or wake a workflow declare <c>[DurableClient]</c>, and
/// <see cref="DurableClientMiddleware"/> hands the first one bound to this accessor (the client
/// behind every binding is the same, cached by the Durable extension).
/// </summary>
internal sealed class DurableClientAccessor
{
    /// <summary>How long a caller waits for the first binding under the Functions host (it comes with the first invocation).</summary>
    private static readonly TimeSpan FirstBindingWait = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource<DurableTaskClient> _client = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsSet => _client.Task.IsCompletedSuccessfully;

    public void Set(DurableTaskClient client) => _client.TrySetResult(client);

    public Task<DurableTaskClient> GetAsync(CancellationToken cancellationToken) => _client.Task.WaitAsync(FirstBindingWait, cancellationToken);
}

/// <summary>Under the Functions host: hands the Durable Task client of the first invocation that binds one to <see cref="DurableClientAccessor"/>.</summary>
internal sealed class DurableClientMiddleware(DurableClientAccessor accessor) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (!accessor.IsSet
            && context.FunctionDefinition.InputBindings.Values.FirstOrDefault(b => string.Equals(b.Type, "durableClient", StringComparison.OrdinalIgnoreCase)) is { } binding
            && (await context.BindInputAsync<DurableTaskClient>(binding)).Value is { } client)
        {
            accessor.Set(client);
        }

        await next(context);
    }
}
