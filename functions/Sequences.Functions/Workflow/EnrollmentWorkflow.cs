using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Sequences.Core.Automation;
using Sequences.Core.Engine;
using Sequences.Storage;

namespace Sequences.Functions.Workflow;

/// <summary>
/// The input of one generation of an enrollment's workflow (each step is a generation: the
/// workflow continues as new after every run, so a history never holds more than one step).
/// </summary>
/// <param name="Version">The workflow version the instance started with; it keeps it for life (see <see cref="EnrollmentWorkflow"/>).</param>
/// <param name="EnrollmentId">The enrollment (also the instance id, but for a workflow the reconciler started to replace one that stopped answering).</param>
/// <param name="WakeAt">Sleep until then (or until woken) before looking at the enrollment; null with <paramref name="Idle"/> false: look now.</param>
/// <param name="Idle">Nothing is due until the enrollment changes (paused, waiting for a task): sleep until woken.</param>
/// <param name="PendingContactId">A delayed automation enrollment: enroll this contact first.</param>
public sealed record EnrollmentWorkflowInput(int Version, string EnrollmentId, DateTimeOffset? WakeAt = null, bool Idle = false, string? PendingContactId = null);

/// <summary>The input of <see cref="EnrollmentWorkflow.RunStep"/>: the enrollment, and the instance id of the workflow asking (null in histories from before replacements existed: the enrollment's own).</summary>
public sealed record RunStepInput(string EnrollmentId, string? PendingContactId = null, string? WorkflowId = null);

/// <summary>
/// One Durable Functions orchestration per enrollment. It only schedules: sleep until the next
/// step is due (a durable timer) or until woken (the <c>wake</c> event, raised after any change
/// made outside it), then call <see cref="RunStep"/>, which re-reads the enrollment and does
/// whatever is due, and continue as new with what comes next. Every decision is taken from the
/// enrollment record in the activity (<see cref="EnrollmentRunner"/>), so a timer that fires
/// early, a duplicate or stale wake-up, a replay or a lost instance cannot make anything happen
/// twice or too soon. Pause, resume and unenroll are record changes followed by a wake-up:
/// terminate and suspend are never used (terminating does not stop an activity already running,
/// and a suspended instance would run its step the moment it resumes).
/// </summary>
/// <remarks>
/// Versioning: an instance keeps the <see cref="EnrollmentWorkflowInput.Version"/> it started with
/// through every generation; a change to the orchestration's shape adds a new version beside the
/// old one, which stays until no instance uses it (enrollments live for weeks).
/// </remarks>
public sealed class EnrollmentWorkflow(EnrollmentRunner runner, AutomationService automation)
{
    public const string Name = "EnrollmentWorkflow";
    public const string RunStep = "RunEnrollmentStep";
    public const string WakeEvent = "wake";
    public const int CurrentVersion = 1;

    /// <summary>
    /// Transient failures (storage, a transport outage) are retried at once with back-off (1, 2, 4
    /// and 8 seconds); past that the workflow sleeps and looks again later (<see cref="AfterFailedRun"/>).
    /// </summary>
    private static readonly TaskOptions ActivityRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    /// <summary>When the retries are used up, the workflow looks again this much later instead of failing.</summary>
    private static readonly TimeSpan AfterFailedRun = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Durable timers may fire up to a second early (the queue message's visibility is set in whole
    /// seconds, rounded down): asking for a second more makes them fire on time or just after.
    /// </summary>
    private static readonly TimeSpan TimerRounding = TimeSpan.FromSeconds(1);

    [Function(Name)]
    public static Task Run([OrchestrationTrigger] TaskOrchestrationContext context, EnrollmentWorkflowInput input) => input.Version switch
    {
        1 => RunV1Async(context, input),
        _ => throw new NotSupportedException($"Enrollment workflow version {input.Version} is not known to this build."),
    };

    private static async Task RunV1Async(TaskOrchestrationContext context, EnrollmentWorkflowInput input)
    {
        if (input.Idle)
        {
            await context.WaitForExternalEvent<object?>(WakeEvent);
        }
        else if (input.WakeAt is { } wakeAt)
        {
            await SleepUntilAsync(context, wakeAt.UtcDateTime);
        }

        NextRun next;
        try
        {
            next = await context.CallActivityAsync<NextRun>(RunStep, new RunStepInput(input.EnrollmentId, input.PendingContactId, context.InstanceId), ActivityRetry);
        }
        catch (TaskFailedException)
        {
            // Never end Failed while the enrollment may be active: try again later.
            next = NextRun.At(context.CurrentUtcDateTime + AfterFailedRun);
        }

        if (next.Ended)
        {
            return;
        }

        if (WokenMeanwhile(context))
        {
            // The enrollment changed while the activity ran (it may have read it before the change): look again at once.
            next = NextRun.At(context.CurrentUtcDateTime);
        }

        // A wake-up still on its way is kept for the next generation too (Durable Functions carries it over).
        context.ContinueAsNew(input with { WakeAt = next.WakeAt, Idle = next.WakeAt is null, PendingContactId = null }, preserveUnprocessedEvents: true);
    }

    /// <summary>
    /// Whether a wake-up arrived while the activity ran (it is waiting in the orchestration's event
    /// buffer); takes it if so. Not relying on the carry-over of buffered events alone: the local
    /// sidecar drops them on ContinueAsNew (see the README's architecture notes).
    /// </summary>
    private static bool WokenMeanwhile(TaskOrchestrationContext context)
    {
        using var cancel = new CancellationTokenSource();
        var buffered = context.WaitForExternalEvent<object?>(WakeEvent, cancel.Token);
        if (!buffered.IsCompleted)
        {
            cancel.Cancel();
        }

        return buffered.IsCompletedSuccessfully;
    }

    /// <summary>Sleeps until <paramref name="wakeAt"/> or a wake-up, whichever comes first; an early timer sleeps again.</summary>
    private static async Task SleepUntilAsync(TaskOrchestrationContext context, DateTime wakeAt)
    {
        while (context.CurrentUtcDateTime < wakeAt)
        {
            using var cancel = new CancellationTokenSource();
            var timer = context.CreateTimer(wakeAt + TimerRounding, cancel.Token);
            var wake = context.WaitForExternalEvent<object?>(WakeEvent, cancel.Token);
            var first = await Task.WhenAny(timer, wake);
            cancel.Cancel();
            if (first == wake)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs whatever is due for the enrollment (for a delayed automation enrollment, enrolls it
    /// first) and returns when to look again. The client binding is for the services this calls
    /// (see <see cref="DurableClientAccessor"/>).
    /// </summary>
    [Function(RunStep)]
    public async Task<NextRun> RunEnrollmentStep([ActivityTrigger] RunStepInput input, [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var storage = StorageMetrics.Activity("step");
        if (input.PendingContactId is { } contactId)
        {
            await automation.RunPendingAsync(contactId, input.EnrollmentId, cancellationToken);
        }

        return await runner.RunAsync(input.EnrollmentId, input.WorkflowId ?? input.EnrollmentId, cancellationToken);
    }
}
