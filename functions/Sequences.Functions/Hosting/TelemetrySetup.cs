using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sequences.Storage;
using CoreTelemetry = Sequences.Core.Engine.Telemetry;

namespace Sequences.Functions.Hosting;

/// <summary>
/// OpenTelemetry traces, metrics and logs: to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING
/// is set (with Entra ID when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says
/// <c>Authorization=AAD[;ClientId=…]</c>), to the console when <c>Telemetry__Exporter=console</c>,
/// nowhere otherwise.
/// </summary>
internal static class TelemetrySetup
{
    public static IServiceCollection AddSequencesTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var console = string.Equals(configuration["Telemetry:Exporter"], "console", StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(connectionString) && !console)
        {
            return services;
        }

        // Sampled only when something exports them: they cost storage requests.
        services.AddHostedService<QueueGauges>();
        var credential = Credential(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        void AzureMonitor(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = connectionString;
            o.Credential = credential;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("sequences", serviceInstanceId: Environment.MachineName))
            .WithTracing(t =>
            {
                t.AddSource(CoreTelemetry.Name).AddAspNetCoreInstrumentation();
                if (!string.IsNullOrEmpty(connectionString))
                {
                    t.AddAzureMonitorTraceExporter(AzureMonitor);
                }

                if (console)
                {
                    t.AddConsoleExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(CoreTelemetry.Name).AddAspNetCoreInstrumentation();
                if (!string.IsNullOrEmpty(connectionString))
                {
                    m.AddAzureMonitorMetricExporter(AzureMonitor);
                }

                if (console)
                {
                    m.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000);
                }
            });

        services.AddLogging(logging => logging.AddOpenTelemetry(l =>
        {
            l.IncludeFormattedMessage = true;
            l.IncludeScopes = true;
            if (!string.IsNullOrEmpty(connectionString))
            {
                l.AddAzureMonitorLogExporter(AzureMonitor);
            }
        }));
        return services;
    }

    /// <summary>Entra ID for the Application Insights ingestion when its authentication string asks for it (local auth is off in the template).</summary>
    private static TokenCredential? Credential(string? authentication)
    {
        if (authentication is null || !authentication.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var clientId = authentication.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(kv => kv.Length == 2 && kv[0].Trim().Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1].Trim();
        return clientId is { Length: > 0 } ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)) : new DefaultAzureCredential();
    }

    /// <summary>A span per queue message (the host's HTTP span covers requests).</summary>
    public static Activity? StartQueueMessage(string queue) =>
        CoreTelemetry.Source.StartActivity($"queue {queue}", ActivityKind.Consumer)?.SetTag("messaging.destination.name", queue);
}

/// <summary>
/// Queue depth, poison counts and overdue enrollments as gauges: sampled every 30 s from storage
/// (a few cheap requests), not on every export.
/// </summary>
internal sealed class QueueGauges(StorageHealth health, ILogger<QueueGauges> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(30);
    private volatile StorageHealthReport? _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CoreTelemetry.Meter.CreateObservableGauge("sequences.queue.depth", () => Measure(r => r.Queues), "{message}", "Approximate messages waiting per queue.");
        CoreTelemetry.Meter.CreateObservableGauge("sequences.queue.poison", () => Measure(r => r.PoisonQueues), "{message}", "Messages in each poison queue.");
        CoreTelemetry.Meter.CreateObservableGauge("sequences.enrollments.overdue", () => _last?.Reconciler is { } r ? [new Measurement<long>(r.Overdue)] : Array.Empty<Measurement<long>>(),
            "{enrollment}", "Active enrollments the reconciler found overdue on its latest run (their workflow was woken or restarted).");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _last = await health.CheckAsync(stoppingToken);
                await Task.Delay(Every, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is Azure.RequestFailedException || Sequences.Storage.StorageFailures.IsUnavailable(e))
            {
                logger.GaugeSampleFailed(e.Message);
                await Task.Delay(Every, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private IEnumerable<Measurement<long>> Measure(Func<StorageHealthReport, IReadOnlyList<QueueHealth>> pick) =>
        _last is { } r ? pick(r).Select(q => new Measurement<long>(q.ApproximateDepth, new KeyValuePair<string, object?>("queue", q.Name))) : [];
}
