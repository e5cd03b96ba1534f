using Microsoft.Extensions.Options;
using Sequences.Functions.Hosting;
using Sequences.Functions.Hosting.Standalone;

// One executable, two hosts. Started by the Azure Functions host it is an ordinary isolated
// worker; started on its own (`dotnet run`) it hosts the same functions itself, on a local
// Azurite when no storage is configured. See HostingOptions.StartedByFunctionsHost.
if (HostingOptions.StartedByFunctionsHost(args))
{
    await FunctionsWorkerHost.Build(args).RunAsync();
    return 0;
}

try
{
    await using var app = await StandaloneHost.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    // A bad setting names itself in one line; exit code 1 (not a stack trace and 134).
    await Console.Error.WriteLineAsync($"Invalid setting: {string.Join(" ", e.Failures)}");
    return 1;
}
catch (PortInUseException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}
