using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sequences.Storage.Local;

/// <summary>
/// A Node.js server started as a child process (Azurite, or an SMTP sink in tests): waits until
/// its ports accept connections, keeps the tail of its output for error messages, and kills the
/// process tree when disposed or when this process exits.
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

    public static async Task<NodeServerProcess> StartAsync(
        string script, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyList<int> ports, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(NodePackage.NodeExecutable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
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
            while (!await CanConnectAsync(port, cancellationToken))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{Path.GetFileName(script)} exited with code {process.ExitCode} before listening on port {port}:\n{server.OutputTail}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    server.Kill();
                    throw new TimeoutException($"{Path.GetFileName(script)} did not listen on port {port} within {timeout}:\n{server.OutputTail}");
                }

                await Task.Delay(100, cancellationToken);
            }
        }

        return server;
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

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
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
