using Sequences.Functions.Hosting;
using Sequences.Functions.Hosting.Standalone;

// One executable, two hosts. Started by the Azure Functions host it is an ordinary isolated
// worker; started on its own (`dotnet run`) it hosts the same functions itself, on a local
// Azurite when no storage is configured. See HostingOptions.StartedByFunctionsHost.
if (HostingOptions.StartedByFunctionsHost(args))
{
    await FunctionsWorkerHost.Build(args).RunAsync();
}
else
{
    await using var app = await StandaloneHost.BuildAsync(args);
    await app.RunAsync();
}
