using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Sequences.Core.Engine;
using Sequences.Functions.Workflow;
using Sequences.Storage.Local;
using Sequences.Testing;

namespace Sequences.Functions.Tests;

/// <summary>
/// The enrollment orchestration on the in-memory Durable Task test host, its activity replaced by
/// a script: when it sleeps, what wakes it, how it continues as new, and that it never fails.
/// </summary>
public class WorkflowTests
{
    private const string Id = "s1-e1";

    [Fact]
    public async Task It_sleeps_until_the_time_the_step_asks_for_and_not_before()
    {
        var script = new Script(_ => NextRun.At(DateTimeOffset.UtcNow.AddSeconds(3)), _ => NextRun.Done);
        await using var host = await StartAsync(script);
        await StartWorkflowAsync(host);

        var completed = await host.Client.WaitForInstanceCompletionAsync(Id, getInputsAndOutputs: true, Timeout(30));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus);
        Assert.Equal(2, script.Calls.Count);
        var asked = script.Results[0].WakeAt!.Value;
        Assert.True(script.Calls[1].At >= asked, $"the second run came {asked - script.Calls[1].At} early");
    }

    [Fact]
    public async Task A_wake_up_runs_the_step_at_once_instead_of_at_the_timer()
    {
        var script = new Script(_ => NextRun.At(DateTimeOffset.UtcNow.AddHours(1)), _ => NextRun.Done);
        await using var host = await StartAsync(script);
        await StartWorkflowAsync(host);
        await script.WaitForCallsAsync(1);

        var woken = DateTimeOffset.UtcNow;
        await host.Client.RaiseEventAsync(Id, EnrollmentWorkflow.WakeEvent, null);
        await host.Client.WaitForInstanceCompletionAsync(Id, Timeout(30));
        Assert.InRange(script.Calls[1].At - woken, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Duplicate_wake_ups_only_make_the_activity_look_again()
    {
        // The activity decides from the enrollment record: extra looks change nothing but cost a run each.
        var script = new Script(_ => NextRun.At(DateTimeOffset.UtcNow.AddHours(1)));
        await using var host = await StartAsync(script);
        await StartWorkflowAsync(host);
        await script.WaitForCallsAsync(1);

        await host.Client.RaiseEventAsync(Id, EnrollmentWorkflow.WakeEvent, null);
        await host.Client.RaiseEventAsync(Id, EnrollmentWorkflow.WakeEvent, null);
        await script.WaitForCallsAsync(3);
        await Task.Delay(1500);
        Assert.InRange(script.Calls.Count, 2, 3);
        var instance = await host.Client.GetInstanceAsync(Id);
        Assert.Equal(OrchestrationRuntimeStatus.Running, instance!.RuntimeStatus);
    }

    [Fact]
    public async Task A_paused_or_task_waiting_enrollment_sleeps_until_woken_then_goes_on()
    {
        var script = new Script(_ => NextRun.UntilWoken, _ => NextRun.At(DateTimeOffset.UtcNow.AddMilliseconds(500)), _ => NextRun.Done);
        await using var host = await StartAsync(script);
        await StartWorkflowAsync(host);
        await script.WaitForCallsAsync(1);

        await Task.Delay(2000);
        Assert.Single(script.Calls);
        await host.Client.RaiseEventAsync(Id, EnrollmentWorkflow.WakeEvent, null);
        await host.Client.WaitForInstanceCompletionAsync(Id, Timeout(30));
        Assert.Equal(3, script.Calls.Count);
    }

    [Fact]
    public async Task Each_step_is_a_new_generation_carrying_only_what_comes_next()
    {
        var script = new Script(
            _ => NextRun.At(DateTimeOffset.UtcNow.AddMilliseconds(300)),
            _ => NextRun.At(DateTimeOffset.UtcNow.AddMilliseconds(300)),
            _ => NextRun.At(DateTimeOffset.UtcNow.AddHours(1)));
        await using var host = await StartAsync(script);
        await StartWorkflowAsync(host, new EnrollmentWorkflowInput(EnrollmentWorkflow.CurrentVersion, Id, PendingContactId: "c1"));
        await script.WaitForCallsAsync(3);

        // The pending contact is enrolled by the first run only; later generations carry the next wake-up alone.
        Assert.Equal(["c1", null, null], script.Calls.Select(c => c.Input.PendingContactId));
        // The third run has returned to the workflow, which then continues as new with its result (not at once under load).
        var input = await Eventually.ValueAsync(
            async () => (await host.Client.GetInstanceAsync(Id, getInputsAndOutputs: true))!.ReadInputAs<EnrollmentWorkflowInput>()!,
            i => i.WakeAt == script.Results[2].WakeAt, TimeSpan.FromSeconds(30), "the fourth generation, carrying the third run's wake-up");
        Assert.Null(input.PendingContactId);
        Assert.False(input.Idle);
    }

    [Fact]
    public async Task An_activity_that_keeps_failing_leaves_the_workflow_running_to_try_later()
    {
        var script = new Script(_ => throw new InvalidOperationException("storage is down"));
        await using var host = await StartAsync(script);
        await StartWorkflowAsync(host);

        // Retried with back-off (1, 2, 4, 8 s), then the workflow sleeps and tries again later: never Failed.
        await script.WaitForCallsAsync(5, TimeSpan.FromSeconds(60));
        await Task.Delay(1000);
        var instance = await host.Client.GetInstanceAsync(Id, getInputsAndOutputs: true);
        Assert.Equal(OrchestrationRuntimeStatus.Running, instance!.RuntimeStatus);
        Assert.Equal(5, script.Calls.Count);
        Assert.True(instance.ReadInputAs<EnrollmentWorkflowInput>()!.WakeAt > DateTimeOffset.UtcNow.AddMinutes(4));
    }

    [Fact]
    public async Task An_instance_of_a_version_this_build_does_not_know_fails_instead_of_guessing()
    {
        await using var host = await StartAsync(new Script());
        await StartWorkflowAsync(host, new EnrollmentWorkflowInput(99, Id));
        var done = await host.Client.WaitForInstanceCompletionAsync(Id, Timeout(30));
        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
    }

    [Fact]
    public async Task A_wake_up_that_arrives_while_the_activity_runs_makes_it_look_again()
    {
        // The activity may have read the enrollment before the change the wake-up announces.
        var release = new ManualResetEventSlim();
        var script = new Script(_ => { release.Wait(TimeSpan.FromSeconds(20)); return NextRun.UntilWoken; }, _ => NextRun.Done);
        await using var host = await StartAsync(script);
        await StartWorkflowAsync(host);
        await script.WaitForCallsAsync(1);

        await host.Client.RaiseEventAsync(Id, EnrollmentWorkflow.WakeEvent, null);
        await Task.Delay(500);
        release.Set();
        var done = await host.Client.WaitForInstanceCompletionAsync(Id, Timeout(20));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(2, script.Calls.Count);
    }

    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static Task StartWorkflowAsync(DurableTaskTestHost host, EnrollmentWorkflowInput? input = null) =>
        host.Client.ScheduleNewOrchestrationInstanceAsync(EnrollmentWorkflow.Name, input ?? new EnrollmentWorkflowInput(EnrollmentWorkflow.CurrentVersion, Id),
            new StartOrchestrationOptions(Id));

    /// <summary>The orchestration as the app registers it, with the scripted activity under the activity's name.</summary>
    private static Task<DurableTaskTestHost> StartAsync(Script script) =>
        DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestrator(EnrollmentWorkflow.Name, new WorkflowOrchestrator());
            registry.AddActivityFunc<RunStepInput, NextRun>(EnrollmentWorkflow.RunStep, (_, input) => script.Run(input!));
        }, new DurableTaskTestHostOptions { Port = NodeServerProcess.FreePorts(1)[0] });

    /// <summary>The activity's answers, one per call (the last repeats), and when each call came.</summary>
    private sealed class Script(params Func<RunStepInput, NextRun>[] answers)
    {
        private readonly ConcurrentQueue<(DateTimeOffset At, RunStepInput Input)> _calls = new();
        private readonly ConcurrentQueue<NextRun> _results = new();

        public IReadOnlyList<(DateTimeOffset At, RunStepInput Input)> Calls => _calls.ToList();

        public IReadOnlyList<NextRun> Results => _results.ToList();

        public NextRun Run(RunStepInput input)
        {
            _calls.Enqueue((DateTimeOffset.UtcNow, input));
            var answer = answers.Length == 0 ? NextRun.Done : answers[Math.Min(_calls.Count, answers.Length) - 1](input);
            _results.Enqueue(answer);
            return answer;
        }

        public Task WaitForCallsAsync(int count, TimeSpan? timeout = null) =>
            Eventually.TrueAsync(() => Task.FromResult(_calls.Count >= count), timeout ?? TimeSpan.FromSeconds(30), $"{count} activity calls");
    }
}

/// <summary>The enrollment orchestration function as a Durable Task orchestrator, the way the worker runs it.</summary>
internal sealed class WorkflowOrchestrator : ITaskOrchestrator
{
    public Type InputType => typeof(EnrollmentWorkflowInput);

    public Type OutputType => typeof(object);

    public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
    {
        await EnrollmentWorkflow.Run(context, (EnrollmentWorkflowInput)input!);
        return null;
    }
}
