using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sequences.Email.Tests.Acs;

/// <summary>
/// What the stub answers to one request. <see cref="Drop"/> reads the request and closes the
/// connection unanswered; <see cref="Silent"/> reads it and never answers.
/// </summary>
internal sealed record StubAnswer(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null, bool Drop = false, bool Silent = false)
{
    public static readonly StubAnswer Dropped = new(0, Drop: true);

    public static readonly StubAnswer NoAnswer = new(0, Silent: true);

    public static StubAnswer Error(int status, string code, string message, params (string Name, string Value)[] headers) =>
        new(status, JsonSerializer.Serialize(new { error = new { code, message } }), headers.ToDictionary(h => h.Name, h => h.Value));
}

/// <summary>One request as the stub received it, bytes and all.</summary>
internal sealed record StubRequest(string Method, string PathAndQuery, NameValueCollection Headers, byte[] Body)
{
    public string Header(string name) => Headers[name] ?? throw new Xunit.Sdk.XunitException($"The request had no {name} header; it had {string.Join(", ", Headers.AllKeys)}.");

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }
}

/// <summary>
/// A real HTTP/1.1 server on a loopback port that plays the ACS email endpoint: it answers from a
/// script (then 202 with the request's Operation-Id, as ACS does) and records every request. It is
/// written on a bare socket so that it can also hang up after reading a request, which
/// HttpListener cannot (its Abort answers 200).
/// </summary>
internal sealed class AcsStub : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<StubAnswer> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accepting;

    public AcsStub(params StubAnswer[] script)
    {
        _script = new ConcurrentQueue<StubAnswer>(script);
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:{port}/</summary>
    public Uri Endpoint { get; }

    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    public StubRequest Single() => Assert.Single(Requests);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _connections.Add(ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Requests on one keep-alive connection, one after another.</summary>
    private async Task ServeAsync(TcpClient client)
    {
        using var connection = client;
        var stream = client.GetStream();
        try
        {
            while (await ReadRequestAsync(stream) is { } request)
            {
                Requests.Enqueue(request);
                var answer = _script.TryDequeue(out var next) ? next : Accepted(request.Headers["Operation-Id"]);
                if (answer.Drop)
                {
                    return;
                }

                if (answer.Silent)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                await stream.WriteAsync(Encode(answer), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away, or the stub is stopping.
        }
    }

    private async Task<StubRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new NameValueCollection(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }

        var body = new byte[int.Parse(headers["Content-Length"] ?? "0", System.Globalization.CultureInfo.InvariantCulture)];
        await stream.ReadExactlyAsync(body, _stop.Token);
        return new StubRequest(requestLine[0], requestLine[1], headers, body);
    }

    private static byte[] Encode(StubAnswer answer)
    {
        var body = Encoding.UTF8.GetBytes(answer.Body ?? "");
        var head = new StringBuilder($"HTTP/1.1 {answer.Status} {(HttpStatusCode)answer.Status}\r\n");
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            head.Append($"{name}: {value}\r\n");
        }

        if (body.Length > 0)
        {
            head.Append("Content-Type: application/json\r\n");
        }

        head.Append($"Content-Length: {body.Length}\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    /// <summary>ACS's answer to a queued send: 202, the operation's id and where to poll it.</summary>
    private StubAnswer Accepted(string? operationId) => new(
        202,
        JsonSerializer.Serialize(new { id = operationId, status = "Running" }),
        new Dictionary<string, string>
        {
            ["Operation-Location"] = $"{Endpoint}emails/operations/{operationId}?api-version=2025-09-01",
            ["Retry-After"] = "20",
        });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }
}
