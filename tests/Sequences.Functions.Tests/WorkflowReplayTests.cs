using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Command;
using DurableTask.Core.History;
using Microsoft.DurableTask.Worker.Shims;
using Sequences.Core.Engine;
using Sequences.Functions.Workflow;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>
/// Histories recorded from real runs of the enrollment workflow (on the Azure Storage provider)
/// are replayed on the current code. Enrollments live for weeks, so a deployment meets instances
/// that an older build started: replaying them must take the same decisions, or the change needs
/// a new workflow version beside the old one. Each fixture is one generation at rest, with the
/// version that recorded it in its name; the replay then wakes it and completes its activity.
/// </summary>
public class WorkflowReplayTests
{
    private static readonly string HistoriesDirectory = Path.Combine(AppContext.BaseDirectory, "Histories");

    public static TheoryData<string> Fixtures() => new(Directory.GetFiles(HistoriesDirectory, "v*.json").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void A_recorded_generation_wakes_runs_its_step_and_continues_as_new_as_it_did_when_recorded(string fixture)
    {
        var past = Read(fixture);
        var started = (ExecutionStartedEvent)past.Single(e => e.EventType == EventType.ExecutionStarted);
        var input = JsonSerializer.Deserialize<EnrollmentWorkflowInput>(started.Input, JsonSerializerOptions.Web)!;
        // Woken: by its timer (when it sleeps on one) at the timer's time, else by the wake event.
        var timer = past.OfType<TimerCreatedEvent>().LastOrDefault();
        var at = timer?.FireAt ?? past.Max(e => e.Timestamp).AddHours(1);
        HistoryEvent trigger = timer is not null
            ? new TimerFiredEvent(-1, timer.FireAt) { TimerId = timer.EventId, Timestamp = at }
            : new EventRaisedEvent(-1, null) { Name = EnrollmentWorkflow.WakeEvent, Timestamp = at };
        var first = Replay(past, [new OrchestratorStartedEvent(-1) { Timestamp = at }, trigger]);
        var schedule = Assert.IsType<ScheduleTaskOrchestratorAction>(Assert.Single(first));
        Assert.Equal(EnrollmentWorkflow.RunStep, schedule.Name);
        // The activity is told which workflow asks (the replay's instance id is the enrollment's).
        Assert.Equal(new RunStepInput(input.EnrollmentId, input.PendingContactId, input.EnrollmentId), Payload<RunStepInput>(schedule.Input));

        // The activity answers: the next step is due a day later. The generation continues as new, carrying only that.
        var next = NextRun.At(at.AddDays(1));
        var history = past.Concat([new OrchestratorStartedEvent(-1) { Timestamp = at }, trigger,
            new TaskScheduledEvent(schedule.Id, schedule.Name!, schedule.Version, schedule.Input) { Timestamp = at }, new OrchestratorCompletedEvent(-1) { Timestamp = at }]).ToList();
        var second = Replay(history, [
            new OrchestratorStartedEvent(-1) { Timestamp = at.AddSeconds(1) },
            new TaskCompletedEvent(-1, schedule.Id, Microsoft.DurableTask.Converters.JsonDataConverter.Default.Serialize(next)) { Timestamp = at.AddSeconds(1) }]);
        var complete = Assert.IsType<OrchestrationCompleteOrchestratorAction>(Assert.Single(second));
        Assert.Equal(OrchestrationStatus.ContinuedAsNew, complete.OrchestrationStatus);
        var carried = Payload<EnrollmentWorkflowInput>(complete.Result);
        Assert.Equal(input with { WakeAt = next.WakeAt, Idle = false, PendingContactId = null }, carried);
    }

    /// <summary>
    /// Writes the fixtures from real runs on Azurite: run with SEQUENCES_RECORD_HISTORIES=1 when a
    /// new workflow version is introduced, and keep the older versions' files.
    /// </summary>
    [RecordFact]
    public async Task Record_the_current_versions_histories()
    {
        await using var app = await StartAsync();
        await app.SeedPeopleAsync();
        var sleeping = await app.EnrollAsync(await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("P1D", null, "2")]));
        await app.SeedPeopleAsync("c2");
        var idle = await app.EnrollAsync(await app.CreateSequenceAsync([TaskStep("call", "PT0S", "Call")]), "c2");
        await app.WaitForEnrollmentAsync(sleeping, e => e.GetProperty("currentStep").GetInt32() == 2, "step 2 waiting");
        await app.WaitForEnrollmentAsync(idle, e => e.GetProperty("events").GetArrayLength() == 2, "the task created");

        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = app.Prefix,
            StorageAccountClientProvider = new StorageAccountClientProvider(await AzuriteServer.ConnectionStringAsync()),
        });
        var source = Path.Combine(Repository.Root, "tests", "Sequences.Functions.Tests", "Histories");
        foreach (var (name, id) in new[] { ("sleeping", sleeping), ("idle", idle) })
        {
            var json = await Eventually.ValueAsync(async () =>
            {
                var state = (await service.GetOrchestrationStateAsync(id, allExecutions: false)).Single();
                return await service.GetOrchestrationHistoryAsync(id, state.OrchestrationInstance.ExecutionId);
            }, j => j.Contains(name == "idle" ? "\"EventType\":13" : "\"EventType\":10", StringComparison.Ordinal), TimeSpan.FromSeconds(30), $"the {name} generation at rest");
            var pretty = JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            await File.WriteAllTextAsync(Path.Combine(source, $"v{EnrollmentWorkflow.CurrentVersion}-{name}.json"), pretty + "\n");
        }
    }

    /// <summary>
    /// A payload as the worker hands it to the orchestration framework: a JSON value, possibly
    /// JSON-encoded once more as a string, and for an activity inside the framework's argument array.
    /// </summary>
    private static T Payload<T>(string? json)
    {
        var node = JsonNode.Parse(json!)!;
        if (node is JsonArray { Count: 1 } arguments)
        {
            node = arguments[0]!;
        }

        return (node.GetValueKind() == JsonValueKind.String ? JsonSerializer.Deserialize<T>((string)node!, JsonSerializerOptions.Web) : node.Deserialize<T>(JsonSerializerOptions.Web))!;
    }

    /// <summary>Runs the orchestration function over a history, the way the worker does, and returns what it decided.</summary>
    private static IReadOnlyList<OrchestratorAction> Replay(IReadOnlyList<HistoryEvent> past, IReadOnlyList<HistoryEvent> newEvents)
    {
        var state = new OrchestrationRuntimeState(past.ToList());
        foreach (var e in newEvents)
        {
            state.AddEvent(e);
        }

        var shim = DurableTaskShimFactory.Default.CreateOrchestration(EnrollmentWorkflow.Name, new WorkflowOrchestrator());
        var result = new TaskOrchestrationExecutor(state, shim, BehaviorOnContinueAsNew.Carryover).Execute();
        return result.Actions.ToList();
    }

    /// <summary>The history events of a fixture (as the Azure Storage provider serializes them).</summary>
    private static List<HistoryEvent> Read(string fixture)
    {
        var events = new List<HistoryEvent>();
        foreach (var e in JsonNode.Parse(File.ReadAllText(Path.Combine(HistoriesDirectory, fixture)))!.AsArray())
        {
            var type = (EventType)(int)e!["EventType"]!;
            var id = (int)e["EventId"]!;
            var timestamp = DateTime.Parse((string)e["Timestamp"]!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
            HistoryEvent parsed = type switch
            {
                EventType.OrchestratorStarted => new OrchestratorStartedEvent(id),
                EventType.OrchestratorCompleted => new OrchestratorCompletedEvent(id),
                EventType.ExecutionStarted => new ExecutionStartedEvent(id, (string?)e["Input"])
                {
                    Name = (string)e["Name"]!,
                    OrchestrationInstance = new OrchestrationInstance { InstanceId = (string)e["OrchestrationInstance"]!["InstanceId"]!, ExecutionId = (string)e["OrchestrationInstance"]!["ExecutionId"]! },
                },
                EventType.TimerCreated => new TimerCreatedEvent(id, DateTime.Parse((string)e["FireAt"]!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal)),
                EventType.TaskScheduled => new TaskScheduledEvent(id, (string)e["Name"]!, (string?)e["Version"], (string?)e["Input"]),
                EventType.TaskCompleted => new TaskCompletedEvent(id, (int)e["TaskScheduledId"]!, (string?)e["Result"]),
                EventType.EventRaised => new EventRaisedEvent(id, (string?)e["Input"]) { Name = (string)e["Name"]! },
                _ => throw new NotSupportedException($"{fixture}: event type {type} is not expected in an enrollment workflow's history."),
            };
            parsed.Timestamp = timestamp;
            events.Add(parsed);
        }

        return events;
    }

    /// <summary>A test that runs only when asked to record (SEQUENCES_RECORD_HISTORIES=1).</summary>
    private sealed class RecordFactAttribute : FactAttribute
    {
        public RecordFactAttribute()
        {
            if (Environment.GetEnvironmentVariable("SEQUENCES_RECORD_HISTORIES") != "1")
            {
                Skip = "Records workflow histories; set SEQUENCES_RECORD_HISTORIES=1 to run.";
            }
        }
    }
}
