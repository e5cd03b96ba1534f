using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;
using Sequences.Core.Engine;
using Sequences.Core.Ports;
using Sequences.Email;
using Sequences.Functions.Api;
using Sequences.Functions.Workflow;
using Sequences.Storage;

namespace Sequences.Functions.Hosting;

/// <summary>The app's services, the same under the Functions host and standalone.</summary>
internal static class AppRegistration
{
    /// <summary>
    /// Durable timers longer than this are chained (the SDK splits them): the Azure Storage
    /// provider keeps a timer as a queue message, whose visibility can be at most 7 days. Set the
    /// same in both hosts, so a timer's history looks the same locally and on Azure.
    /// </summary>
    public static readonly TimeSpan MaximumTimerInterval = TimeSpan.FromDays(3);

    public static IServiceCollection AddSequencesApp(this IServiceCollection services, IConfiguration configuration, HostMode mode)
    {
        services.AddSingleton(mode);
        services
            .AddSequencesCore()
            .AddSequencesStorage(configuration)
            .AddSequencesEmail(configuration)
            .AddSequencesTelemetry(configuration);

        services.AddOptions<HostingOptions>().BindConfiguration(HostingOptions.Section);
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.PostConfigure<SequencesOptions>(o => o.PublicBaseUrl ??= ListenUrl(mode.ListenUrls));
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddOptions<InboundOptions>().BindConfiguration(InboundOptions.Section);
        services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(o =>
        {
            // Inbound webhooks post whole messages (with attachments) as form fields.
            o.ValueLengthLimit = 32 * 1024 * 1024;
            o.MultipartBodyLengthLimit = 64 * 1024 * 1024;
        });

        services.AddSingleton<HttpPipeline>();
        services.AddSingleton<DurableClientAccessor>();
        services.AddSingleton<IEnrollmentWorkflows, DurableEnrollmentWorkflows>();
        services.Configure<DurableTaskWorkerOptions>(o => o.MaximumTimerInterval = MaximumTimerInterval);
        services.AddHostedService<StorageStartup>();
        services.AddHostedService<StartupReport>();
        return services;
    }

    /// <summary>The first listen URL, with a wildcard host made reachable (for links in emails).</summary>
    internal static Uri ListenUrl(string urls)
    {
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries)[0];
        first = first.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal);
        return new Uri(first.EndsWith('/') ? first : first + "/");
    }
}

/// <summary>Creates tables and queues before anything else runs.</summary>
internal sealed class StorageStartup(StorageInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Says at start how the app is set up: mode, URLs, mail, keys.</summary>
internal sealed class StartupReport(
    IHostApplicationLifetime lifetime,
    HostMode mode,
    IOptions<ApiOptions> api,
    IOptions<SequencesOptions> sequences,
    IOptions<EmailOptions> email,
    ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            logger.Mode(mode.FunctionsHost
                ? "Azure Functions isolated worker (the Functions host runs the triggers and Durable Functions)"
                : "standalone (this process hosts the functions: HTTP, queue and timer triggers, and the Durable Task worker on an embedded sidecar)");
            if (!mode.FunctionsHost)
            {
                logger.Listening(mode.ListenUrls, sequences.Value.PublicBaseUrl!);
            }

            logger.EmailTransport(email.Value.Transport, email.Value.Describe());
            if (api.Value.Keys.Count == 0)
            {
                logger.ApiOpen();
            }
            else
            {
                logger.ApiKeys(api.Value.Keys.Count);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
