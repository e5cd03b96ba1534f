using System.Globalization;
using System.Net.Http.Json;
using MimeKit;
using Sequences.Storage.Local;

namespace Sequences.Testing;

/// <summary>
/// A real SMTP sink (maildev 3.0.0 under Node.js) on free loopback ports, installed on first use
/// from the pinned package set embedded in this assembly. Tests read what arrived through its
/// REST API as raw messages, parsed with MimeKit, so they see exactly what a mail server received.
/// Tests isolate themselves by sending to unique recipient addresses.
/// </summary>
public sealed class MailDevServer : IAsyncDisposable
{
    // One client for every instance: a client per call would exhaust sockets in polling loops.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static readonly Lazy<Task<MailDevServer>> Shared = new(async () =>
    {
        var server = await StartAsync(null, null, CancellationToken.None);

        // Never disposed (tests share it to the end); the process hook kills it, this removes its files.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DeleteFiles();
        return server;
    });

    /// <summary>maildev prints this once both its SMTP and web servers listen.</summary>
    private const string ReadyBanner = "Press Ctrl+C to stop";

    private readonly NodeServerProcess _process;

    private readonly string _root;

    private MailDevServer(NodeServerProcess process, int smtpPort, int webPort, string root)
    {
        _process = process;
        _root = root;
        SmtpPort = smtpPort;
        WebPort = webPort;
        MailDirectory = Path.Combine(root, "mail");
        ApiBaseUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{webPort}/api/"));
    }

    public int SmtpPort { get; }

    public int WebPort { get; }

    /// <summary>Where maildev keeps the .eml files it received (in a fresh temporary folder).</summary>
    public string MailDirectory { get; }

    public Uri ApiBaseUrl { get; }

    /// <summary>One maildev per test process, started on first use and killed when the process exits.</summary>
    public static Task<MailDevServer> SharedAsync() => Shared.Value;

    /// <summary>
    /// Starts a maildev of its own (dispose it). With <paramref name="incomingUser"/> and
    /// <paramref name="incomingPassword"/> it requires SMTP AUTH.
    /// </summary>
    public static async Task<MailDevServer> StartAsync(string? incomingUser, string? incomingPassword, CancellationToken cancellationToken)
    {
        await NodePackage.EnsureNodeAvailableAsync(cancellationToken);
        var dir = await NodePackage.EnsureInstalledAsync("maildev", typeof(MailDevServer).Assembly, NodePackage.DefaultToolsDirectory, Console.WriteLine, cancellationToken);
        var script = Path.Combine(dir, "node_modules", "maildev", "dist", "bin", "maildev.js");
        var root = Path.Combine(Path.GetTempPath(), $"sequences-maildev-{Guid.NewGuid():N}");
        var mailDirectory = Path.Combine(root, "mail");
        Directory.CreateDirectory(mailDirectory);

        // A port can be taken between choosing and binding; try a few times.
        for (var attempt = 1; ; attempt++)
        {
            var ports = NodeServerProcess.FreePorts(2);
            var args = new List<string>
            {
                "--smtp", ports[0].ToString(CultureInfo.InvariantCulture),
                "--web", ports[1].ToString(CultureInfo.InvariantCulture),
                "--ip", "127.0.0.1", "--web-ip", "127.0.0.1",
                "--mail-directory", mailDirectory,
            };
            if (incomingUser is not null && incomingPassword is not null)
            {
                args.AddRange(["--incoming-user", incomingUser, "--incoming-pass", incomingPassword]);
            }

            try
            {
                // Ports that accept connections do not prove maildev listens on them (another test's
                // listener may have taken one, and maildev then exits): its banner is the proof. The
                // launcher removes the mail folder when maildev stops with the test host, however it ends.
                var process = await NodeServerProcess.StartAsync(script, args, dir, ports, [ReadyBanner], TimeSpan.FromSeconds(60), cancellationToken, cleanupDirectory: root);
                return new MailDevServer(process, ports[0], ports[1], root);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely EADDRINUSE: choose other ports.
            }
        }
    }

    /// <summary>The messages whose envelope or To header names <paramref name="recipientAddress"/>, in order of arrival.</summary>
    public async Task<IReadOnlyList<MimeMessage>> MessagesToAsync(string recipientAddress, CancellationToken cancellationToken)
    {
        var summaries = await ListAsync(cancellationToken);
        return await DownloadAsync(summaries.Where(s => s.IsTo(recipientAddress)), cancellationToken);
    }

    /// <summary>
    /// Polls until at least <paramref name="count"/> messages to <paramref name="recipientAddress"/>
    /// arrived; on time-out, fails listing what did arrive (to that address and to any).
    /// </summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesToAsync(
        string recipientAddress, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var summaries = await ListAsync(cancellationToken);
            var matching = summaries.Where(s => s.IsTo(recipientAddress)).ToList();
            if (matching.Count >= count)
            {
                return await DownloadAsync(matching, cancellationToken);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Expected at least {count} message(s) to {recipientAddress} within {timeout.TotalSeconds:0.#}s, but {matching.Count} arrived: " +
                    $"[{string.Join("; ", matching.Select(s => s.Describe()))}]. All {summaries.Count} message(s) in maildev: " +
                    $"[{string.Join("; ", summaries.TakeLast(20).Select(s => s.Describe()))}]");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Forgets every message received so far.</summary>
    public async Task DeleteAllAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.DeleteAsync(new Uri(ApiBaseUrl, "email/all"), cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        DeleteFiles();
    }

    private void DeleteFiles()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still in use (the process is exiting as well); the temp folder is cleaned up eventually.
        }
    }

    private async Task<List<MailSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var list = await Http.GetFromJsonAsync<List<MailSummary>>(new Uri(ApiBaseUrl, "email"), cancellationToken) ?? [];

        // maildev lists in arrival order; sorting by time (stable) guards against a store that does not.
        return [.. list.OrderBy(s => s.Time)];
    }

    private async Task<IReadOnlyList<MimeMessage>> DownloadAsync(IEnumerable<MailSummary> summaries, CancellationToken cancellationToken)
    {
        var messages = new List<MimeMessage>();
        foreach (var summary in summaries)
        {
            using var response = await Http.GetAsync(new Uri(ApiBaseUrl, $"email/{Uri.EscapeDataString(summary.Id)}/download"), cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            messages.Add(await MimeMessage.LoadAsync(stream, cancellationToken));
        }

        return messages;
    }

    /// <summary>The fields of maildev's <c>GET /api/email</c> entries that tests filter on.</summary>
    private sealed record MailSummary(string Id, DateTimeOffset Time, string? Subject, MailEnvelope? Envelope, List<MailAddress>? To)
    {
        public bool IsTo(string address) =>
            (Envelope?.To ?? []).Concat(To ?? []).Any(a => string.Equals(a.Address, address, StringComparison.OrdinalIgnoreCase));

        public string Describe() =>
            $"'{Subject}' to {string.Join(", ", (Envelope?.To ?? To ?? []).Select(a => a.Address))} at {Time:HH:mm:ss.fff}";
    }

    private sealed record MailEnvelope(List<MailAddress>? To);

    private sealed record MailAddress(string Address);
}
