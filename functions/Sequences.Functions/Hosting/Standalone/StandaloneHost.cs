using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using NCrontab;
using Sequences.Functions.Workflow;
using Sequences.Storage;
using Sequences.Storage.Queues;

namespace Sequences.Functions.Hosting.Standalone;

/// <summary>
/// The one place that hosts the app's functions outside the Azure Functions host (`func` is not
/// needed to build, run or test): an ASP.NET Core app that reads <see cref="FunctionCatalog"/> and
/// serves HTTP functions on their routes, polls the queues of queue functions with the Functions
/// host's semantics (host.json <c>extensions.queues</c>), runs timer functions on their NCRONTAB
/// schedules, and runs orchestrator and activity functions on the embedded Durable Task sidecar
/// (<see cref="EmbeddedDurableTask"/>). With no storage configured it starts a local Azurite.
/// </summary>
internal static class StandaloneHost
{
    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Settings and services added before the app's own (tests, the benchmark).</param>
    /// <param name="replace">Called after the app's services are registered, to replace some (tests only).</param>
    /// <param name="cancellationToken">Stops a slow start.</param>
    public static async Task<WebApplication> BuildAsync(
        string[] args, Action<WebApplicationBuilder>? configure = null, Action<IServiceCollection>? replace = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(HostingOptions.DefaultUrl);
        }

        // Before anything starts (Azurite, workers): a taken port stops the app with one line.
        PortCheck.EnsureFree(builder.Configuration["urls"]!);
        var azurite = await LocalAzurite.StartIfNeededAsync(builder.Configuration, cancellationToken);
        var hostJson = HostJson.Load(builder.Configuration);
        // Log levels as host.json sets them for the Functions host; the app's own Logging settings still win.
        builder.Logging.AddConfiguration(hostJson.Settings.GetSection("logging"));
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        var functions = FunctionCatalog.All;
        foreach (var function in functions)
        {
            FunctionInvoker.Check(function);
        }

        builder.Services.AddSequencesApp(builder.Configuration, new HostMode(FunctionsHost: false, builder.Configuration["urls"] ?? HostingOptions.DefaultUrl));
        builder.Services.AddSingleton(hostJson);
        var triggers = builder.Configuration.GetSection(HostingOptions.Section).Get<HostingOptions>()?.LocalTriggers ?? true;
        builder.Services.AddEmbeddedDurableTask(hostJson, triggers ? functions : []);
        foreach (var function in functions.Where(f => triggers && f.Kind == TriggerKind.Queue))
        {
            builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueFunctionListener>(sp, function));
        }

        foreach (var function in functions.Where(f => triggers && f.Kind == TriggerKind.Timer))
        {
            builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerFunctionLoop>(sp, function));
        }

        replace?.Invoke(builder.Services);
        var app = builder.Build();

        // Settings are checked before anything starts, so a bad one stops the app with its own message
        // (Program prints it), not after the host has logged a failed start.
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.Services.GetRequiredService<DurableClientAccessor>().Set(app.Services.GetRequiredService<DurableTaskClient>());
        if (azurite is not null)
        {
            app.Lifetime.ApplicationStopped.Register(() => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult());
        }

        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Http))
        {
            MapHttp(app, function);
        }

        return app;
    }

    /// <summary>An HTTP function on its route and methods, through the same <see cref="HttpPipeline"/> as under the Functions host.</summary>
    private static void MapHttp(WebApplication app, FunctionEntry function)
    {
        var endpoint = app.MapMethods("/" + function.Http!.Route, function.HttpMethods, (HttpContext http, HttpPipeline pipeline) =>
            pipeline.RunAsync(http, () => FunctionInvoker.InvokeAsync(function, http.RequestServices, p =>
                p == function.Trigger ? http.Request
                : p.ParameterType == typeof(string) ? http.GetRouteValue(p.Name!)?.ToString()
                : FunctionInvoker.Common(p, http.RequestServices, http.RequestAborted))));
        endpoint.WithName(function.Name).DisableAntiforgery();
        if (function.IsCatchAll)
        {
            // Like the Functions host's routing: every other route wins over the catch-all.
            endpoint.Add(b => ((RouteEndpointBuilder)b).Order = int.MaxValue);
        }
    }
}

/// <summary>A queue function's trigger: the queue named by its attribute, polled with host.json's queue settings.</summary>
internal sealed class QueueFunctionListener(
    FunctionEntry function, HostJson hostJson, StorageClients clients, QueueSignals signals, IServiceProvider services, ILogger<QueueFunctionListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var name = hostJson.Resolve(function.Queue!.QueueName);
        var processor = new QueueProcessor(clients.Queues.GetQueueClient(name), clients.Queues.GetQueueClient($"{name}-poison"), InvokeAsync, hostJson.Queues(), signals, logger);
        return Task.Run(() => processor.RunAsync(stoppingToken), stoppingToken);
    }

    private async Task InvokeAsync(QueueMessageContext message, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await FunctionInvoker.InvokeAsync(function, scope.ServiceProvider, p =>
            p == function.Trigger ? message.Text : FunctionInvoker.Common(p, scope.ServiceProvider, cancellationToken));
    }
}

/// <summary>A timer function's trigger: its NCRONTAB schedule (with seconds), or Hosting:Timers:{name} when set.</summary>
internal sealed class TimerFunctionLoop(
    FunctionEntry function, IOptions<HostingOptions> options, HostJson hostJson, TimeProvider time, IServiceProvider services, ILogger<TimerFunctionLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var expression = hostJson.Resolve(options.Value.Timers.GetValueOrDefault(function.Name) ?? function.Timer!.Schedule);
        var schedule = CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
                await using var scope = services.CreateAsyncScope();
                var info = new TimerInfo { IsPastDue = time.GetUtcNow() - next > TimeSpan.FromSeconds(10) };
                await FunctionInvoker.InvokeAsync(function, scope.ServiceProvider, p =>
                    p == function.Trigger ? info : FunctionInvoker.Common(p, scope.ServiceProvider, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // As on Azure: a failed run is logged and the next occurrence runs as scheduled.
                logger.TimerFailed(function.Name, e);
            }
        }
    }
}
