using System.Diagnostics;
using Sequences.Storage.Local;

namespace Sequences.Testing;

/// <summary>
/// The standalone app as users run it (<c>dotnet Sequences.Functions.dll</c>, the build the tests were
/// built with) in a child process, its output appended to a log file.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private AppProcess(Process process, StreamWriter log, Uri baseUrl, IReadOnlyDictionary<string, string> environment)
    {
        _process = process;
        _log = log;
        BaseUrl = baseUrl;
        Environment = environment;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (environment.TryGetValue("Api__Keys__0", out var key))
        {
            Http.DefaultRequestHeaders.Add("X-Api-Key", key);
        }
    }

    public Uri BaseUrl { get; }

    /// <summary>The settings it was started with (<see cref="RestartAsync"/> starts it again with them).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public string LogPath => ((FileStream)_log.BaseStream).Name;

    /// <summary>A client of its API (with its API key when it has one).</summary>
    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    /// <param name="environment">Settings (environment variables) on top of this process's own.</param>
    /// <param name="logPath">The file its output is appended to.</param>
    /// <param name="baseUrl">Where it listens; null: a free loopback port.</param>
    public static AppProcess Start(IReadOnlyDictionary<string, string> environment, string logPath, Uri? baseUrl = null)
    {
        var dll = Repository.FunctionsOutput("Sequences.Functions.dll");
        baseUrl ??= new Uri($"http://127.0.0.1:{NodeServerProcess.FreePorts(1)[0]}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["urls"] = baseUrl.GetLeftPart(UriPartial.Authority);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, log, baseUrl, environment);
        // Nothing outlives the process that started it, however it ends (a test run, Ctrl-C).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => app.Kill();
        return app;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    /// <summary>Waits until the app answers HTTP on its liveness path.</summary>
    public async Task WaitReadyAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var alive = new Uri(BaseUrl, "/alive");
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app process exited with code {_process.ExitCode} before it was ready (log: {LogPath}).");
            }

            try
            {
                using var response = await probe.GetAsync(alive, ct);
                return;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100, ct);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                // The probe's own timeout: try again.
            }
        }
    }

    /// <summary>kill -9 of the app process.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                // The app only: a local Azurite it started ends by itself once its parent is gone (see
                // NodeServerProcess), and a tree kill stops (SIGSTOP) processes before it kills them.
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It had exited already.
        }
    }

    /// <summary>A new process with the same settings, at the same address, logging to the same file (this one is killed and disposed).</summary>
    public async Task<AppProcess> RestartAsync(CancellationToken ct)
    {
        await DisposeAsync();
        var next = Start(Environment, LogPath, BaseUrl);
        await next.WaitReadyAsync(ct);
        return next;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        Http.Dispose();
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
