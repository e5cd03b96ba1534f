using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Email;
using Sequences.Functions.Api;
using Sequences.Functions.Triggers;
using Sequences.Storage;

namespace Sequences.Functions.Hosting;

/// <summary>Builds the one executable: used by Program, by the tests and by the benchmark.</summary>
public static class SequencesApp
{
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        ConfigureUrls(builder);

        var azurite = await LocalAzurite.StartIfNeededAsync(builder.Configuration, cancellationToken);
        builder.AddSequencesTelemetry();
        builder.Services
            .AddSequencesCore()
            .AddSequencesStorage(builder.Configuration)
            .AddSequencesEmail(builder.Configuration)
            .AddSequencesFunctions(builder.Configuration);

        var app = builder.Build();
        if (azurite is not null)
        {
            app.Lifetime.ApplicationStopped.Register(() => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult());
        }

        app.MapSequences();
        return app;
    }

    private static void ConfigureUrls(WebApplicationBuilder builder)
    {
        if (HostingOptions.CustomHandlerPort is { } port)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(HostingOptions.DefaultUrl);
        }
    }

    /// <summary>The host's services: options, triggers, local listeners (standalone only).</summary>
    internal static IServiceCollection AddSequencesFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HostingOptions>().BindConfiguration(HostingOptions.Section);
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.PostConfigure<SequencesOptions>(o => o.PublicBaseUrl ??= ListenUrl(configuration));
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddOptions<InboundOptions>().BindConfiguration(InboundOptions.Section);
        services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(o =>
        {
            // Inbound webhooks post whole messages (with attachments) as form fields.
            o.ValueLengthLimit = 32 * 1024 * 1024;
            o.MultipartBodyLengthLimit = 64 * 1024 * 1024;
        });

        services.AddSingleton<WorkTrigger>();
        services.AddSingleton<DispatcherTrigger>();
        services.AddSingleton<InboundTrigger>();
        services.AddHostedService<StorageStartup>();
        services.AddHostedService<StartupReport>();

        var hosting = configuration.GetSection(HostingOptions.Section).Get<HostingOptions>() ?? new HostingOptions();
        if (hosting.RunsLocalTriggers)
        {
            services.AddHostedService<LocalQueueListener>();
            services.AddHostedService<LocalDispatcherLoop>();
        }

        return services;
    }

    /// <summary>The first listen URL, with a wildcard host made reachable (for links in emails).</summary>
    internal static Uri ListenUrl(IConfiguration configuration)
    {
        var first = (configuration["urls"] ?? HostingOptions.DefaultUrl).Split(';', StringSplitOptions.RemoveEmptyEntries)[0];
        first = first.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal);
        return new Uri(first.EndsWith('/') ? first : first + "/");
    }

    internal static void MapSequences(this WebApplication app)
    {
        app.UseExceptionHandler(handler => handler.Run(context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            if (error is not null)
            {
                app.Logger.Unhandled(context.Request.Method, context.Request.Path, error);
            }

            return Problems.WriteAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.InternalError,
                "Something went wrong", "The request could not be completed; it is safe to retry. The error was logged.");
        }));
        app.UseStatusCodePages(context => context.HttpContext.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => Problems.WriteAsync(context.HttpContext, 404, ErrorCodes.NotFound, "Not found",
                $"No route matches {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}."),
            StatusCodes.Status405MethodNotAllowed => Problems.WriteAsync(context.HttpContext, 405, ErrorCodes.MethodNotAllowed, "Method not allowed",
                $"{context.HttpContext.Request.Path} does not accept {context.HttpContext.Request.Method}."),
            _ => Task.CompletedTask,
        });
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<IdempotencyMiddleware>();
        app.Use(async (context, next) =>
        {
            using var activity = StorageMetrics.Activity("api");
            await next(context);
        });

        var api = app.MapGroup("/api");
        api.MapDirectory();
        api.MapEnrollments();
        api.MapHealth();
        api.MapInbound();
        api.MapAutomation();
        app.MapUnsubscribe();
        app.MapCustomHandler();
    }
}

/// <summary>Says at start how the app is set up: mode, URLs, mail, keys.</summary>
internal sealed class StartupReport(
    IHostApplicationLifetime lifetime,
    IOptions<HostingOptions> hosting,
    IOptions<ApiOptions> api,
    IOptions<SequencesOptions> sequences,
    IOptions<EmailOptions> email,
    IConfiguration configuration,
    ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            logger.Mode(HostingOptions.IsCustomHandler
                ? "Azure Functions custom handler (the host triggers queue and timer functions)"
                : hosting.Value.RunsLocalTriggers ? "standalone (local queue listeners and dispatcher)" : "standalone, without local triggers");
            logger.Listening(configuration["urls"] ?? HostingOptions.DefaultUrl, sequences.Value.PublicBaseUrl!);
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
