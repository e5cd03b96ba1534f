using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sequences.Storage.Local;

/// <summary>
/// A Node.js server started as a child process (Azurite, or an SMTP sink in tests): waits until
/// its ports accept connections and it says it is ready, keeps the tail of its output for error
/// messages, and stops when disposed or when this process exits — even a hard exit that runs no
/// handlers: it runs under a small launcher that quits when its stdin pipe closes, which the OS
/// does when this process dies.
/// </summary>
public sealed class NodeServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _tail = new();

    private NodeServerProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string OutputTail
    {
        get
        {
            lock (_tail)
            {
                return _tail.ToString();
            }
        }
    }

    private const string Launcher = """
        import { rmSync } from 'node:fs';
        import { pathToFileURL } from 'node:url';
        const stop = () => {
            const dir = process.env.SEQUENCES_CLEANUP_DIR;
            if (dir) rmSync(dir, { recursive: true, force: true });
            process.exit(0);
        };
        process.stdin.on('end', stop);
        process.stdin.on('error', stop);
        process.stdin.resume();
        // The servers may stop reading stdin; the parent's end is also seen as being re-parented.
        const parent = process.ppid;
        setInterval(() => { if (process.ppid !== parent) stop(); }, 1000).unref();
        // SIGTERM (StopAsync): the server closes itself (Azurite saves its data); stdin must not keep
        // this process alive after that, and a server without a handler of its own exits at once.
        process.once('SIGTERM', () => {
            process.stdin.destroy();
            if (process.listenerCount('SIGTERM') === 0) process.exit(0);
        });
        const [script] = process.argv.splice(2, 1);
        await import(pathToFileURL(script).href);
        """;

    private const string SetSid = "/usr/bin/setsid";

    /// <summary>
    /// Starts <paramref name="script"/> and waits until every port accepts connections and its
    /// output contains every one of <paramref name="readyMarkers"/> (a port can answer because some
    /// other process took it first; the server's own banner is the proof it is the one listening).
    /// <paramref name="cleanupDirectory"/>, if given, is deleted when the server stops with this process.
    /// </summary>
    public static async Task<NodeServerProcess> StartAsync(
        string script, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyList<int> ports, IReadOnlyList<string> readyMarkers,
        TimeSpan timeout, CancellationToken cancellationToken, string? cleanupDirectory = null)
    {
        // In a session of its own where setsid exists: Ctrl-C in a terminal signals the whole
        // foreground process group, and the server must outlive the app's own shutdown (the app
        // stops it last). It still ends with the app however the app ends: its stdin closes.
        var ownSession = File.Exists(SetSid);
        var psi = new ProcessStartInfo(ownSession ? SetSid : NodePackage.NodeExecutable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (ownSession)
        {
            // --wait: should setsid have to fork, it stays as the process we track (and kill).
            psi.ArgumentList.Add("--wait");
            psi.ArgumentList.Add(NodePackage.NodeExecutable);
        }

        psi.ArgumentList.Add(await LauncherPathAsync(cancellationToken));
        psi.ArgumentList.Add(script);
        if (cleanupDirectory is not null)
        {
            psi.Environment["SEQUENCES_CLEANUP_DIR"] = cleanupDirectory;
        }

        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start node {script}.");
        var server = new NodeServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();

        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in ports)
        {
            while (!await CanConnectAsync(port, cancellationToken) || !readyMarkers.All(m => server.OutputTail.Contains(m, StringComparison.Ordinal)))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{Path.GetFileName(script)} exited with code {process.ExitCode} before it was ready on port {port}:\n{server.OutputTail}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    server.Kill();
                    throw new TimeoutException($"{Path.GetFileName(script)} was not ready on port {port} within {timeout}:\n{server.OutputTail}");
                }

                await Task.Delay(50, cancellationToken);
            }
        }

        return server;
    }

    /// <summary>The launcher, written once per content into the temp folder.</summary>
    private static async Task<string> LauncherPathAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sequences-node-launcher-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Launcher)))[..12]}.mjs");
        if (!File.Exists(path))
        {
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            await File.WriteAllTextAsync(temp, Launcher, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }

    /// <summary>Ports that were free a moment ago (bind to port 0 and release).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    public static async Task<bool> CanConnectAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the server to stop as a terminal's Ctrl-C would (SIGTERM: Azurite closes its services and
    /// saves its data) and waits for it to exit; killed if it has not within <paramref name="grace"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = Signal(_process.Id, SigTerm);
        try
        {
            using var cts = new CancellationTokenSource(grace);
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                // The server itself only (it has no children): a tree kill stops (SIGSTOP) every process
                // before it kills them, and a runner ending this process midway leaves them stopped forever.
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.AppendLine(line);
            if (_tail.Length > 8000)
            {
                _tail.Remove(0, _tail.Length - 8000);
            }
        }
    }
}
