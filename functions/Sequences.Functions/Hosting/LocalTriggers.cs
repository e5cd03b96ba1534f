using Microsoft.Extensions.Options;
using Sequences.Core.Engine;
using Sequences.Functions.Triggers;
using Sequences.Storage;
using Sequences.Storage.Queues;

namespace Sequences.Functions.Hosting;

/// <summary>Creates tables and queues before anything else runs.</summary>
internal sealed class StorageStartup(StorageInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The queue triggers (work, inbound, bounces), run in-process with the Functions host's queue semantics.</summary>
internal sealed class LocalQueueListener(
    StorageClients clients,
    WorkTrigger work,
    InboundTrigger inbound,
    IOptions<QueueProcessorOptions> options,
    QueueSignals signals,
    ILogger<LocalQueueListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        Run("work", "step", (m, ct) => work.HandleAsync(m.Text, ct), stoppingToken),
        Run("inbound", "inbound", (m, ct) => inbound.HandleAsync("inbound", m.Text, ct), stoppingToken),
        Run("bounces", "inbound", (m, ct) => inbound.HandleAsync("bounces", m.Text, ct), stoppingToken));

    private Task Run(string queue, string activityName, Func<QueueMessageContext, CancellationToken, Task> handler, CancellationToken stoppingToken)
    {
        var processor = new QueueProcessor(clients.Queue(queue), clients.Queue($"{queue}-poison"), handler, options.Value, signals, logger);
        return Task.Run(async () =>
        {
            // Receives and deletes are part of the work they carry, as on Azure.
            using var activity = StorageMetrics.Activity(activityName);
            await processor.RunAsync(stoppingToken);
        }, stoppingToken);
    }
}

/// <summary>The dispatcher's timer trigger, run in-process every Scheduling:PollInterval.</summary>
internal sealed class LocalDispatcherLoop(
    DispatcherTrigger trigger,
    IOptions<SchedulingOptions> options,
    TimeProvider time,
    ILogger<LocalDispatcherLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await trigger.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.DispatcherFailed(e);
            }

            try
            {
                await Task.Delay(options.Value.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
