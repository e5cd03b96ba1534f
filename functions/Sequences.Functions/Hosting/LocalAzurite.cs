using System.Diagnostics;
using System.Globalization;
using Sequences.Storage;
using Sequences.Storage.Local;

namespace Sequences.Functions.Hosting;

/// <summary>
/// With no AzureWebJobsStorage configured, the app installs (first time) and starts Azurite,
/// keeps its data under the local data folder, and stops it on exit. A pid file lets the next
/// start clean up an Azurite orphaned by a killed run.
/// </summary>
internal static class LocalAzurite
{
    public static async Task<AzuriteProcess?> StartIfNeededAsync(IConfigurationManager configuration, CancellationToken cancellationToken)
    {
        if (StorageConnection.FromConfiguration(configuration) is not null)
        {
            return null;
        }

        var dataRoot = configuration[$"{HostingOptions.Section}:DataDirectory"] ?? HostingOptions.DefaultDataDirectory;
        var location = Path.Combine(dataRoot, "azurite");
        Directory.CreateDirectory(location);
        var pidFile = Path.Combine(location, "azurite.pid");
        StopOrphan(pidFile);

        // The host's logging is not built yet; these lines go straight to the console.
        Console.WriteLine($"AzureWebJobsStorage is not set: starting a local Azurite with its data in {location}");
        var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { DataDirectory = location }, Console.WriteLine, cancellationToken);
        await File.WriteAllTextAsync(pidFile, azurite.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        Console.WriteLine($"Azurite is running (queue port {azurite.QueuePort}, table port {azurite.TablePort}); it stops when the app stops.");
        configuration[StorageConnection.SettingName] = azurite.ConnectionString;
        return azurite;
    }

    private static void StopOrphan(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            var commandLine = File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline") : process.ProcessName;
            if (commandLine.Contains("azurite", StringComparison.OrdinalIgnoreCase))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (ArgumentException)
        {
            // No such process any more.
        }
        catch (InvalidOperationException)
        {
        }

        File.Delete(pidFile);
    }
}
