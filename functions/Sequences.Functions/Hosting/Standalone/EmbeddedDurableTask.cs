using System.Net;
using System.Reflection;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
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

    public static IServiceCollection AddEmbeddedDurableTask(this IServiceCollection services, HostJson hostJson, IReadOnlyList<FunctionEntry> functions)
    {
        var port = NodeServerProcess.FreePorts(1)[0];
        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = MaxMessageBytes, MaxSendMessageSize = MaxMessageBytes });
        var provider = hostJson.DurableProvider();
        services.AddSingleton(sp => new EmbeddedSidecar(Configure(provider, sp), port, sp.GetRequiredService<ILoggerFactory>()));

        // First: the sidecar starts before the worker connects to it, and stops after it.
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedSidecar>());
        services.AddDurableTaskWorker(builder =>
        {
            builder.UseGrpc(channel);
            builder.AddTasks(registry => Register(registry, functions));
            builder.Configure(o =>
            {
                o.MaximumTimerInterval = AppRegistration.MaximumTimerInterval;
                o.Concurrency.MaximumConcurrentActivityWorkItems = provider.MaxConcurrentTaskActivityWorkItems;
                o.Concurrency.MaximumConcurrentOrchestrationWorkItems = provider.MaxConcurrentTaskOrchestrationWorkItems;
            });
        });
        services.AddDurableTaskClient(builder => builder.UseGrpc(channel));
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
/// loopback. The task hub's queues, tables and containers are created before it serves; its
/// dispatchers start when the worker connects and stop (releasing the hub's partitions) when it
/// stops, after the worker.
/// </summary>
internal sealed class EmbeddedSidecar(AzureStorageOrchestrationServiceSettings settings, int port, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _server;

    public int Port => port;

    public string TaskHubName => settings.TaskHubName;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var service = new AzureStorageOrchestrationService(settings);
        await service.CreateIfNotExistsAsync();

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddRouting();
        builder.Services.AddGrpc(g => g.MaxReceiveMessageSize = 16 * 1024 * 1024);
        builder.Services.AddSingleton<IOrchestrationService>(service);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        _server = builder.Build();
        _server.UseRouting();
        _server.MapGrpcService<TaskHubGrpcServer>();
        await _server.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
