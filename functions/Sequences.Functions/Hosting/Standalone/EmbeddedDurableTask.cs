using System.Net;
using System.Reflection;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Sequences.Storage;
using Sequences.Storage.Local;

namespace Sequences.Functions.Hosting.Standalone;

/// <summary>
/// Durable Functions without the Functions host: the Durable Task gRPC sidecar
/// (<see cref="TaskHubGrpcServer"/>) over the same Azure Storage provider Durable Functions uses
/// on Azure (<see cref="AzureStorageOrchestrationService"/>), on the app's storage, in this
/// process on a free loopback port; the app's orchestrator and activity functions run on a
/// <c>Microsoft.DurableTask</c> worker connected to it, and its client is the app's
/// <see cref="DurableTaskClient"/>. The provider's settings come from host.json (<see cref="HostJson"/>).
/// </summary>
internal static class EmbeddedDurableTask
{
    /// <summary>gRPC messages carry whole histories; the SDK's default is 4 MB.</summary>
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The sidecar and the client, and a worker running the orchestrator and activity functions
    /// among <paramref name="functions"/> (none: no worker; the sidecar then dispatches nothing).
    /// </summary>
    public static IServiceCollection AddEmbeddedDurableTask(this IServiceCollection services, HostJson hostJson, IReadOnlyList<FunctionEntry> functions)
    {
        var port = NodeServerProcess.FreePorts(1)[0];
        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = MaxMessageBytes, MaxSendMessageSize = MaxMessageBytes });
        var provider = hostJson.DurableProvider();
        var dispatches = functions.Any(f => f.Kind is TriggerKind.Orchestration or TriggerKind.Activity);
        services.AddSingleton(sp => new EmbeddedSidecar(Configure(provider, sp), port, dispatches, sp.GetRequiredService<ILoggerFactory>()));

        // First: the sidecar starts before the worker connects to it, and stops after it.
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedSidecar>());
        services.AddDurableTaskClient(builder => builder.UseGrpc(channel));
        if (!dispatches)
        {
            return services;
        }

        services.AddDurableTaskWorker(builder =>
        {
            builder.UseGrpc(o =>
            {
                o.Channel = channel;

                // The sidecar sends no health pings: on this in-process loopback channel silence only means idle.
                o.SetSilentDisconnectTimeout(TimeSpan.Zero);
            });
            builder.AddTasks(registry => Register(registry, functions));
            builder.Configure(o =>
            {
                o.MaximumTimerInterval = AppRegistration.MaximumTimerInterval;
                o.Concurrency.MaximumConcurrentActivityWorkItems = provider.MaxConcurrentTaskActivityWorkItems;
                o.Concurrency.MaximumConcurrentOrchestrationWorkItems = provider.MaxConcurrentTaskOrchestrationWorkItems;
            });
        });

        // Last: at a stop, the work handed to the worker finishes before the worker stops.
        services.AddHostedService(sp => new WorkflowDrain(sp.GetRequiredService<EmbeddedSidecar>()));
        return services;
    }

    /// <summary>The provider settings of host.json, on the app's storage connection, counted in <see cref="StorageMetrics"/> as "durable".</summary>
    private static AzureStorageOrchestrationServiceSettings Configure(AzureStorageOrchestrationServiceSettings settings, IServiceProvider services)
    {
        var connection = services.GetRequiredService<StorageConnection>();
        var metrics = services.GetRequiredService<StorageMetrics>();
        T Counted<T>(T options, string service)
            where T : ClientOptions
        {
            options.AddPolicy(metrics.Policy(service, "durable"), HttpPipelinePosition.PerRetry);
            return options;
        }

        settings.LoggerFactory = services.GetRequiredService<ILoggerFactory>();

        // Partitions are owned per worker id; the default (the machine name) would make two local
        // processes one owner, both reading every control queue.
        settings.WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}";
        settings.StorageAccountClientProvider = connection.ConnectionString is { } cs
            ? new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(cs, Counted(new BlobClientOptions(), "blob")),
                StorageServiceClientProvider.ForQueue(cs, Counted(new QueueClientOptions(), "queue")),
                StorageServiceClientProvider.ForTable(cs, Counted(new TableClientOptions(), "table")))
            : new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(connection.BlobServiceUri!, connection.Credential!, Counted(new BlobClientOptions(), "blob")),
                StorageServiceClientProvider.ForQueue(connection.QueueServiceUri!, connection.Credential!, Counted(new QueueClientOptions(), "queue")),
                StorageServiceClientProvider.ForTable(connection.TableServiceUri!, connection.Credential!, Counted(new TableClientOptions(), "table")));
        return settings;
    }

    /// <summary>Registers the orchestrator and activity functions on the worker, by their function names.</summary>
    private static void Register(DurableTaskRegistry registry, IReadOnlyList<FunctionEntry> functions)
    {
        foreach (var function in functions)
        {
            if (function.Kind == TriggerKind.Orchestration)
            {
                registry.AddOrchestrator(function.Name, new FunctionOrchestrator(function));
            }
            else if (function.Kind == TriggerKind.Activity)
            {
                registry.AddActivity(function.Name, services => new FunctionActivity(function, services));
            }
        }
    }

    /// <summary>An orchestrator function: the context, and its input as the function's input parameter.</summary>
    private sealed class FunctionOrchestrator(FunctionEntry function) : ITaskOrchestrator
    {
        private readonly ParameterInfo? _input = function.Method.GetParameters().FirstOrDefault(p => p != function.Trigger);

        public Type InputType => _input?.ParameterType ?? typeof(object);

        public Type OutputType => function.Method.ReturnType.IsGenericType ? function.Method.ReturnType.GetGenericArguments()[0] : typeof(object);

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input) =>
            FunctionInvoker.InvokeAsync(function, EmptyServices.Instance, p => p == function.Trigger ? context : input);
    }

    /// <summary>An activity function: its trigger parameter is the input.</summary>
    private sealed class FunctionActivity(FunctionEntry function, IServiceProvider services) : ITaskActivity
    {
        public Type InputType => function.Trigger.ParameterType;

        public Type OutputType => function.Method.ReturnType.IsGenericType ? function.Method.ReturnType.GetGenericArguments()[0] : typeof(object);

        public Task<object?> RunAsync(TaskActivityContext context, object? input) =>
            FunctionInvoker.InvokeAsync(function, services, p => p == function.Trigger ? input : FunctionInvoker.Common(p, services, CancellationToken.None));
    }

    /// <summary>Orchestrators are static and take nothing from services (they must not: no I/O in orchestrations).</summary>
    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}

/// <summary>
/// The sidecar: an inner Kestrel host serving <see cref="TaskHubGrpcServer"/> over HTTP/2 on
/// loopback. The task hub's queues, tables and containers are created before it serves. When it
/// dispatches, its dispatchers start when the worker connects and, when it stops (after the
/// worker), stop and release the hub's partitions; stopping waits for that, so the next process
/// takes the partitions at once instead of after their leases run out.
/// </summary>
internal sealed class EmbeddedSidecar(AzureStorageOrchestrationServiceSettings settings, int port, bool dispatches, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    /// <summary>How long stopping waits for in-flight work items and the partitions' release.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    /// <summary>How long a stop waits for the steps in flight (within the host's 30-second shutdown).</summary>
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(20);

    private WebApplication? _server;
    private ObservedService? _service;

    public string TaskHubName => settings.TaskHubName;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var service = new AzureStorageOrchestrationService(settings);
        await service.CreateIfNotExistsAsync();
        _service = new ObservedService(service, loggerFactory.CreateLogger<EmbeddedSidecar>());

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<ILoggerFactory>(new QuietLifetime(loggerFactory));
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddRouting();
        builder.Services.AddGrpc(g => g.MaxReceiveMessageSize = 16 * 1024 * 1024);
        builder.Services.AddSingleton<IOrchestrationService>(_service);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
        builder.Services.Configure<TaskHubGrpcServerOptions>(o => o.Mode = dispatches ? TaskHubGrpcServerMode.ApiServerAndDispatcher : TaskHubGrpcServerMode.ApiServerOnly);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        _server = builder.Build();
        _server.UseRouting();
        _server.MapGrpcService<TaskHubGrpcServer>();
        await _server.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Hands out no more work and waits (up to <see cref="DrainWait"/>) for the work items the worker
    /// holds to be completed: stopped while one is in flight, the worker's completion call is
    /// cancelled and logged as a failure (the work item would run again at the next start).
    /// </summary>
    public Task DrainAsync(CancellationToken cancellationToken) => _service?.DrainAsync(DrainWait, cancellationToken) ?? Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            // The server stops its dispatchers in the background (on its stopping event); wait for them.
            await _server.StopAsync(cancellationToken);
            await _service!.Stopped.WaitAsync(StopWait, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>The app's own host says where it listens and that it started; this inner one stays quiet about it.</summary>
    private sealed class QuietLifetime(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft.Hosting.Lifetime", StringComparison.Ordinal) ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose()
        {
            // The app owns the inner factory.
        }
    }

    /// <summary>
    /// The provider, with its stop made observable (and harmless when it never started), and each
    /// work item's messages reconciled with the instance's history before the sidecar applies them
    /// (<see cref="StaleMessages"/>).
    /// </summary>
    private sealed class ObservedService(AzureStorageOrchestrationService inner, ILogger logger) : IOrchestrationService
    {
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _draining = new();
        private int _started;

        /// <summary>Work items locked and not yet given back, and lock calls under way (either may hand the worker work).</summary>
        private int _held;

        /// <summary>Completes when the provider has stopped (at once if it never started).</summary>
        public Task Stopped => Volatile.Read(ref _started) == 0 ? Task.CompletedTask : _stopped.Task;

        public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

        public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;

        public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

        public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

        public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

        public Task StartAsync()
        {
            Interlocked.Exchange(ref _started, 1);
            return inner.StartAsync();
        }

        public Task StopAsync() => StopAsync(isForced: false);

        public async Task StopAsync(bool isForced)
        {
            try
            {
                if (Volatile.Read(ref _started) == 1)
                {
                    await inner.StopAsync(isForced);
                }
            }
            finally
            {
                _stopped.TrySetResult();
            }
        }

        public Task CreateAsync() => inner.CreateAsync();

        public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

        public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

        public Task DeleteAsync() => inner.DeleteAsync();

        public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

        public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

        public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);

        public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);

        public async Task DrainAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            await _draining.CancelAsync();
            for (var clock = System.Diagnostics.Stopwatch.StartNew(); Volatile.Read(ref _held) > 0 && clock.Elapsed < wait && !cancellationToken.IsCancellationRequested;)
            {
                await Task.Delay(50, CancellationToken.None);
            }

            // The worker's last completion call is answered by now; let it read the answer.
            await Task.Delay(200, CancellationToken.None);
        }

        public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
        {
            var workItem = await HoldAsync(token => inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, token), cancellationToken);
            if (workItem is not null && StaleMessages.Find(workItem.OrchestrationRuntimeState, workItem.NewMessages) is { Count: > 0 } stale)
            {
                foreach (var (message, reason) in stale)
                {
                    logger.StaleMessageDropped(workItem.InstanceId, message.Event.EventType.ToString(), reason);
                }

                // Left out of the history; still deleted from the control queue with the rest of the batch when the work item completes.
                workItem.NewMessages = workItem.NewMessages.Except(stale.Select(s => s.Message)).ToList();
            }

            return workItem!;
        }

        public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

        public Task CompleteTaskOrchestrationWorkItemAsync(
            TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
            IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState) =>
            inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);

        public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);

        /// <summary>The dispatcher releases every orchestration work item it locked, done or abandoned.</summary>
        public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => GiveBackAsync(inner.ReleaseTaskOrchestrationWorkItemAsync(workItem));

        public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
            (await HoldAsync(token => inner.LockNextTaskActivityWorkItem(receiveTimeout, token), cancellationToken))!;

        public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);

        public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
            GiveBackAsync(inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage));

        public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => GiveBackAsync(inner.AbandonTaskActivityWorkItemAsync(workItem));

        /// <summary>A lock call, counted while under way and, when it returns a work item, until that is given back; none once draining.</summary>
        private async Task<T?> HoldAsync<T>(Func<CancellationToken, Task<T>> lockNext, CancellationToken cancellationToken)
            where T : class
        {
            Interlocked.Increment(ref _held);
            T? workItem = null;
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _draining.Token);
                if (!_draining.IsCancellationRequested)
                {
                    workItem = await lockNext(linked.Token);
                }
                else
                {
                    // Nothing more is handed out; the dispatcher asks again, so ask it to wait.
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
            catch (OperationCanceledException) when (_draining.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Draining began while waiting for work.
            }
            finally
            {
                if (workItem is null)
                {
                    Interlocked.Decrement(ref _held);
                }
            }

            return workItem;
        }

        private async Task GiveBackAsync(Task giveBack)
        {
            try
            {
                await giveBack;
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }
    }
}

/// <summary>
/// Messages a work item must not apply to the instance's history, as Durable Functions' own
/// dispatcher (DurableTask.Core's <c>ReconcileMessagesWithState</c>) drops them; the test host's
/// sidecar dispatcher leaves that undone. A start message delivered again, because the process
/// that ran it died before deleting it from the control queue, would otherwise make every batch
/// of that instance fail ("Multiple ExecutionStartedEvent") and the workflow stall for good.
/// </summary>
internal static class StaleMessages
{
    public static List<(TaskMessage Message, string Reason)> Find(OrchestrationRuntimeState state, IEnumerable<TaskMessage> messages)
    {
        var stale = new List<(TaskMessage Message, string Reason)>();
        var started = state.ExecutionStartedEvent is not null;
        var executionId = state.OrchestrationInstance?.ExecutionId;
        foreach (var message in messages.OrderBy(m => m.Event.EventType == EventType.ExecutionStarted ? 0 : 1))
        {
            if (message.Event.EventType == EventType.ExecutionStarted)
            {
                if (started)
                {
                    stale.Add((message, "a duplicate start"));
                }

                started = true;
                executionId ??= message.OrchestrationInstance?.ExecutionId;
            }
            else if (!string.IsNullOrEmpty(message.OrchestrationInstance?.ExecutionId) && executionId is not null
                && !string.Equals(message.OrchestrationInstance.ExecutionId, executionId, StringComparison.Ordinal))
            {
                stale.Add((message, "for an earlier execution"));
            }
        }

        return stale;
    }
}

/// <summary>Stops first (registered last): lets the work the worker holds finish before the worker stops (<see cref="EmbeddedSidecar.DrainAsync"/>).</summary>
internal sealed class WorkflowDrain(EmbeddedSidecar sidecar) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => sidecar.DrainAsync(cancellationToken);
}
