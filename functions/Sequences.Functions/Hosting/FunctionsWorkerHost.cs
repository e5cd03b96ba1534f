using Microsoft.Azure.Functions.Worker.Builder;
using Sequences.Functions.Workflow;

namespace Sequences.Functions.Hosting;

/// <summary>The isolated worker, as the Azure Functions host runs it (ASP.NET Core integration).</summary>
internal static class FunctionsWorkerHost
{
    public static IHost Build(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<DurableClientMiddleware>();
        builder.UseMiddleware<HttpPipelineMiddleware>();

        // Links in emails need the app's public address: Sequences__PublicBaseUrl, else the site's host name.
        var site = Environment.GetEnvironmentVariable("WEBSITE_HOSTNAME");
        builder.Services.AddSequencesApp(builder.Configuration, new HostMode(FunctionsHost: true, site is { Length: > 0 } ? $"https://{site}/" : "http://localhost/"));
        return builder.Build();
    }
}
