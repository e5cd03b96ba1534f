using System.Globalization;

namespace Sequences.Storage.Local;

/// <summary>How to start a local Azurite.</summary>
public sealed record AzuriteOptions
{
    /// <summary>Where Azurite keeps its data; null with <see cref="InMemory"/> for throw-away storage.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Keep everything in memory (tests): fast, gone on exit.</summary>
    public bool InMemory { get; init; }

    public string ToolsDirectory { get; init; } = NodePackage.DefaultToolsDirectory;
}

/// <summary>
/// A local Azurite (blob, queue and table) on free loopback ports, installed on first use from the
/// pinned package set embedded in this assembly. Started with --skipApiVersionCheck so the Azure SDK's
/// newest API versions are accepted.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly NodeServerProcess _server;

    private AzuriteProcess(NodeServerProcess server, int blobPort, int queuePort, int tablePort, string location)
    {
        _server = server;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        DataDirectory = location;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public string DataDirectory { get; }
    public int ProcessId => _server.ProcessId;

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) => string.Create(CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};");

    public static async Task<AzuriteProcess> StartAsync(AzuriteOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        await NodePackage.EnsureNodeAvailableAsync(cancellationToken);
        var dir = await NodePackage.EnsureInstalledAsync("azurite", typeof(AzuriteProcess).Assembly, options.ToolsDirectory, log, cancellationToken);
        var script = Path.Combine(dir, "node_modules", "azurite", "dist", "src", "azurite.js");
        var location = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), $"sequences-azurite-{Guid.NewGuid():N}");
        Directory.CreateDirectory(location);

        // A port can be taken between choosing and binding; try a few times.
        for (var attempt = 1; ; attempt++)
        {
            var ports = NodeServerProcess.FreePorts(3);
            var args = new List<string>
            {
                "--silent", "--skipApiVersionCheck", "--loose",
                "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                "--blobPort", ports[0].ToString(CultureInfo.InvariantCulture),
                "--queuePort", ports[1].ToString(CultureInfo.InvariantCulture),
                "--tablePort", ports[2].ToString(CultureInfo.InvariantCulture),
            };
            // Azurite refuses a location together with in-memory persistence.
            args.AddRange(options.InMemory ? ["--inMemoryPersistence"] : ["--location", location]);

            try
            {
                string[] ready = [.. ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"successfully listening at http://127.0.0.1:{p}"))];
                var server = await NodeServerProcess.StartAsync(script, args, location, ports, ready, TimeSpan.FromSeconds(60), cancellationToken);
                return new AzuriteProcess(server, ports[0], ports[1], ports[2], location);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely EADDRINUSE: choose other ports.
            }
        }
    }

    /// <summary>Stops Azurite as Ctrl-C would: it saves its data (on disk) before it exits.</summary>
    public Task StopAsync() => _server.StopAsync(TimeSpan.FromSeconds(20));

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
