using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sequences.Storage;
using Sequences.Storage.Local;

namespace Sequences.Functions.Hosting;

/// <summary>
/// With no AzureWebJobsStorage configured, the app installs (first time) and starts Azurite,
/// keeps its data under the local data folder, and stops it on exit. A state file next to the
/// data records who runs it: a second app started meanwhile shares that Azurite (so several local
/// processes compete for the same work, as on Azure), and an Azurite left behind by a killed run
/// is stopped before a new one starts.
/// </summary>
internal static class LocalAzurite
{
    private sealed record State(int AzuritePid, int OwnerPid, int BlobPort, int QueuePort, int TablePort);

    public static async Task<AzuriteProcess?> StartIfNeededAsync(IConfigurationManager configuration, CancellationToken cancellationToken)
    {
        if (StorageConnection.FromConfiguration(configuration) is not null)
        {
            return null;
        }

        var dataRoot = configuration[$"{HostingOptions.Section}:DataDirectory"] ?? HostingOptions.DefaultDataDirectory;
        var location = Path.Combine(dataRoot, "azurite");
        Directory.CreateDirectory(location);
        var stateFile = Path.Combine(location, "azurite-state.json");

        // The host's logging is not built yet; these lines go straight to the console.
        if (await ReadAsync(stateFile, cancellationToken) is { } state)
        {
            if (IsAlive(state.OwnerPid) && IsAzurite(state.AzuritePid) && await NodeServerProcess.CanConnectAsync(state.TablePort, cancellationToken))
            {
                Console.WriteLine($"AzureWebJobsStorage is not set: using the local Azurite that process {state.OwnerPid} runs (data in {location})");
                configuration[StorageConnection.SettingName] = AzuriteProcess.ConnectionStringFor(state.BlobPort, state.QueuePort, state.TablePort);
                return null;
            }

            StopOrphan(state.AzuritePid);
        }

        Console.WriteLine($"AzureWebJobsStorage is not set: starting a local Azurite with its data in {location}");
        var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { DataDirectory = location }, Console.WriteLine, cancellationToken);
        var mine = new State(azurite.ProcessId, Environment.ProcessId, azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        await File.WriteAllTextAsync(stateFile, JsonSerializer.Serialize(mine), cancellationToken);
        Console.WriteLine($"Azurite is running (queue port {azurite.QueuePort}, table port {azurite.TablePort}); it stops when this app stops.");
        configuration[StorageConnection.SettingName] = azurite.ConnectionString;
        return azurite;
    }

    private static async Task<State?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<State>(await File.ReadAllTextAsync(path, cancellationToken)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsAzurite(int pid) =>
        IsAlive(pid) && (!File.Exists($"/proc/{pid}/cmdline") || File.ReadAllText($"/proc/{pid}/cmdline").Contains("azurite", StringComparison.OrdinalIgnoreCase));

    private static void StopOrphan(int pid)
    {
        if (!IsAzurite(pid))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(5000);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Stopped an Azurite (pid {pid}) left behind by an earlier run."));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Gone meanwhile.
        }
    }
}
