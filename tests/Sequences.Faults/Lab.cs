using System.Globalization;
using Sequences.Storage.Local;
using Sequences.Testing;

namespace Sequences.Faults;

/// <summary>
/// What every run shares and what outlives the app processes: an Azurite with its data on disk
/// (so it can be stopped and started again), the storage proxy in front of it, a real SMTP sink
/// (maildev), and the work directory with the apps' logs.
/// </summary>
internal sealed class Lab : IAsyncDisposable
{
    public const string ApiKey = "fault-suite-api-key-0123456789";

    private AzuriteProcess _azurite;

    private Lab(string work, AzuriteProcess azurite, StorageProxy proxy, MailDevServer sink)
    {
        Work = work;
        _azurite = azurite;
        Proxy = proxy;
        Sink = sink;
    }

    public string Work { get; }

    /// <summary>Whether the work directory (data, app logs) stays after the run; a temporary one is removed when the run met every target.</summary>
    public bool KeepWork { get; set; } = true;

    public StorageProxy Proxy { get; }

    public MailDevServer Sink { get; }

    public static async Task<Lab> StartAsync(string? work, Action<string> log, CancellationToken ct)
    {
        work ??= Directory.CreateTempSubdirectory("sequences-faults-").FullName;
        Directory.CreateDirectory(work);
        var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { DataDirectory = Path.Combine(work, "azurite") }, log, ct);
        var proxy = await StorageProxy.StartAsync(azurite, ct);
        var sink = await MailDevServer.StartAsync(null, null, ct);
        log($"Work directory {work}; Azurite (on disk) behind the proxy; maildev SMTP on port {sink.SmtpPort}.");
        return new Lab(work, azurite, proxy, sink);
    }

    /// <summary>Stops Azurite (as Ctrl-C would: it saves its data), waits, and starts it again on the same data.</summary>
    public async Task StopStorageAsync(TimeSpan downFor, CancellationToken ct)
    {
        var location = _azurite.DataDirectory;
        await _azurite.StopAsync();
        await _azurite.DisposeAsync();
        await Task.Delay(downFor, ct);
        _azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { DataDirectory = location }, null, ct);
        Proxy.Retarget(_azurite);
    }

    /// <summary>The settings every app of a run gets: storage through the proxy, its own names, an API key, quick repairs.</summary>
    public Dictionary<string, string> Settings(string run, string transport) => new(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage"] = Proxy.ConnectionString,
        ["Storage__Prefix"] = "f" + run.Replace("-", "", StringComparison.Ordinal) + Guid.NewGuid().ToString("N")[..6],
        ["Api__Keys__0"] = ApiKey,
        ["Email__Transport"] = transport,
        ["Email__Smtp__Host"] = "127.0.0.1",
        ["Email__Smtp__Port"] = Sink.SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Hosting__DataDirectory"] = Path.Combine(Work, run, "data"),
        ["Workflow__OverdueAfter"] = "00:00:20",
        ["Workflow__ReplaceAfter"] = "00:01:30",
        ["Hosting__Timers__Reconcile"] = "*/10 * * * * *",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
    };

    public async ValueTask DisposeAsync()
    {
        await Sink.DisposeAsync();
        await Proxy.DisposeAsync();
        await _azurite.DisposeAsync();
        if (!KeepWork)
        {
            Directory.Delete(Work, recursive: true);
        }
    }
}

/// <summary>The app processes of one run, sharing one task hub and one set of tables.</summary>
internal sealed class Deployment : IAsyncDisposable
{
    private readonly AppProcess?[] _apps;
    private int _next;

    private Deployment(AppProcess?[] apps, FaultApi api)
    {
        _apps = apps;
        Api = api;
    }

    /// <summary>A client that sends each request to a live process, round robin, trying the next when one is down.</summary>
    public FaultApi Api { get; }

    public int Count => _apps.Length;

    /// <summary>The first process's address (for requests made without the API's client).</summary>
    public Uri BaseUrl { get; private init; } = null!;

    public static async Task<Deployment> StartAsync(Lab lab, string run, int processes, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var dir = Path.Combine(lab.Work, run);
        Directory.CreateDirectory(dir);
        var apps = Enumerable.Range(0, processes).Select(i => AppProcess.Start(settings, Path.Combine(dir, $"app-{i}.log"))).ToArray();
        await Task.WhenAll(apps.Select(a => a.WaitReadyAsync(ct)));
        Deployment? deployment = null;
        deployment = new Deployment(apps, new FaultApi(() => deployment!.Live())) { BaseUrl = apps[0].BaseUrl };
        return deployment;
    }

    /// <summary>The next live process's client.</summary>
    private HttpClient Live()
    {
        for (var i = 0; i < _apps.Length; i++)
        {
            var app = _apps[(int)((uint)Interlocked.Increment(ref _next) % _apps.Length)];
            if (app is { HasExited: false })
            {
                return app.Http;
            }
        }

        throw new InvalidOperationException("No app process is running.");
    }

    /// <summary>kill -9 of one process; started again (same address and settings) after <paramref name="downFor"/>.</summary>
    public async Task KillAsync(int index, TimeSpan downFor, CancellationToken ct)
    {
        var app = _apps[index]!;
        app.Kill();
        await Task.Delay(downFor, ct);
        _apps[index] = null;
        _apps[index] = await app.RestartAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps.OfType<AppProcess>())
        {
            await app.DisposeAsync();
        }
    }
}
