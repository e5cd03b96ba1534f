using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sequences.Testing;

/// <summary>What the scripted server answers to one command: a reply line, and whether it then hangs up.</summary>
public sealed record SmtpReply(string? Text, bool HangUp = false)
{
    /// <summary>Closes the connection without answering (a server or network dying mid-exchange).</summary>
    public static readonly SmtpReply Drop = new(null, HangUp: true);
}

/// <summary>
/// A small SMTP server on a loopback port that answers as a script says, for the replies a
/// friendly sink never gives (550 at RCPT, 451 after DATA, a dropped connection). It speaks real
/// SMTP over TCP to the real MailKit client, and records what it was told.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, SmtpReply?> _script;
    private readonly TimeSpan _replyDelay;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly Task _accepting;
    private int _connections;
    private int _messages;

    /// <param name="script">
    /// Given a command line (or "." for the end of the message data, or "" for the greeting),
    /// the reply to give instead of the usual one; null for the usual one.
    /// </param>
    /// <param name="replyDelay">How long the server takes over each reply (a slow peer).</param>
    public ScriptedSmtpServer(Func<string, SmtpReply?>? script = null, TimeSpan replyDelay = default)
    {
        _script = script ?? (_ => null);
        _replyDelay = replyDelay;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Messages whose data was received in full (whatever the reply to them).</summary>
    public int Messages => Volatile.Read(ref _messages);

    public ConcurrentQueue<string> Commands { get; } = new();

    /// <summary>The Message-ID of each message whose data began to arrive, and when its header was read.</summary>
    public ConcurrentQueue<(string MessageId, DateTimeOffset At)> MessageIds { get; } = new();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                _sessions.Add(SessionAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SessionAsync(TcpClient client)
    {
        using var connection = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        try
        {
            if (!await AnswerAsync(writer, "", "220 scripted.test ESMTP"))
            {
                return;
            }

            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                Commands.Enqueue(line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                if (verb == "DATA")
                {
                    if (!await AnswerAsync(writer, line, "354 end with <CRLF>.<CRLF>"))
                    {
                        return;
                    }

                    while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                    {
                        if (data.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
                        {
                            MessageIds.Enqueue((data["Message-ID:".Length..].Trim(), DateTimeOffset.UtcNow));
                        }
                    }

                    Interlocked.Increment(ref _messages);
                    line = ".";
                }

                var usual = verb switch
                {
                    "EHLO" => "250-scripted.test\r\n250 8BITMIME",
                    "QUIT" => "221 bye",
                    "DATA" => "250 2.0.0 queued as SCRIPTED",
                    "HELO" or "MAIL" or "RCPT" or "RSET" or "NOOP" => "250 OK",
                    _ => "502 5.5.2 not implemented",
                };
                if (!await AnswerAsync(writer, line, usual) || verb == "QUIT")
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away, or the server is stopping.
        }
    }

    /// <summary>Writes the scripted or usual reply; false when the script hangs up.</summary>
    private async Task<bool> AnswerAsync(StreamWriter writer, string command, string usual)
    {
        if (_replyDelay > TimeSpan.Zero)
        {
            await Task.Delay(_replyDelay, _stop.Token);
        }

        var reply = _script(command) ?? new SmtpReply(usual);
        if (reply.Text is not null)
        {
            await writer.WriteLineAsync(reply.Text);
        }

        return !reply.HangUp;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_sessions);
        _stop.Dispose();
    }
}
