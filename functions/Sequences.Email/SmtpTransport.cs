using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Sequences.Core.Email;
using Sequences.Core.Inbound;
using Sequences.Core.Ports;

namespace Sequences.Email;

/// <summary>
/// Sends through an SMTP server with MailKit, over a small pool of connected, authenticated
/// clients: connecting (and TLS, and AUTH) costs several round trips, far more than a send.
/// SMTP has no idempotency key, so a resend after a doubtful failure could deliver twice:
/// <see cref="DeduplicatesResends"/> is false and failures say whether the message may have left.
/// </summary>
public sealed class SmtpTransport : IEmailTransport, IAsyncDisposable, IDisposable
{
    /// <summary>Concurrent sends, and so connections; mail servers limit connections per client.</summary>
    internal const int MaxConnections = 4;

    /// <summary>
    /// A connection idle this long is checked with NOOP before use. Servers drop idle clients
    /// (RFC 5321 allows after 5 minutes, some much sooner), and a send on a dropped connection
    /// fails in a way that looks like "may have left"; a NOOP turns that into a quiet reconnect.
    /// </summary>
    internal static readonly TimeSpan IdleCheckAfter = TimeSpan.FromSeconds(10);

    /// <summary>Bounds every network operation: the engine sends without a deadline of its own.</summary>
    internal static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(30);

    private readonly SmtpOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SmtpTransport> _logger;
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private readonly ConcurrentStack<Connection> _idle = new();
    private int _disposed;

    public SmtpTransport(SmtpOptions options, TimeProvider time, ILogger<SmtpTransport> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host, "options.Host");
        _options = options;
        _time = time;
        _logger = logger;
    }

    public bool DeduplicatesResends => false;

    private string Host => _options.Host!;

    public async Task<EmailSendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var message = MimeBuilder.Build(email);
        var enrollmentId = MimeBuilder.EnrollmentIdOf(email);

        await _slots.WaitAsync(cancellationToken);
        try
        {
            Connection connection;
            try
            {
                connection = await RentAsync(cancellationToken);
            }
            catch (EmailSendException failure)
            {
                _logger.SmtpFailed(enrollmentId, email.MessageId, Host, failure.Kind.ToString(), failure.Message);
                throw;
            }

            var healthy = false;
            connection.Client.RecipientAccepted = false;
            try
            {
                var response = await connection.Client.SendAsync(MimeBuilder.Format, message, cancellationToken);
                healthy = true;
                _logger.SmtpSent(enrollmentId, email.MessageId, Host, response);

                // The reply to the message usually names the server's queue id ("2.0.0 Ok: queued as 4F2A1"): the closest SMTP has to a provider id.
                return new EmailSendResult(string.IsNullOrWhiteSpace(response) ? null : response.Trim());
            }
            catch (Exception e) when (DuringSend(e, connection.Client.RecipientAccepted, cancellationToken) is { } kind)
            {
                var failure = new EmailSendException(kind, Describe(kind, e), e);
                _logger.SmtpFailed(enrollmentId, email.MessageId, Host, kind.ToString(), failure.Message);
                throw failure;
            }
            finally
            {
                // After any failure the session's state is unknown (mid-DATA, after RSET or not): never reuse it.
                if (healthy)
                {
                    Return(connection);
                }
                else
                {
                    connection.Dispose();
                }
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<Connection> RentAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryPop(out var connection))
        {
            if (!connection.Client.IsConnected)
            {
                connection.Dispose();
                continue;
            }

            if (_time.GetElapsedTime(connection.LastUsed) < IdleCheckAfter || await StillAliveAsync(connection, cancellationToken))
            {
                return connection;
            }
        }

        return await ConnectAsync(cancellationToken);
    }

    /// <summary>NOOP on an idle connection; a connection that fails it is disposed.</summary>
    private async Task<bool> StillAliveAsync(Connection connection, CancellationToken cancellationToken)
    {
        var alive = false;
        try
        {
            await connection.Client.NoOpAsync(cancellationToken);
            alive = true;
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken))
        {
            _logger.SmtpStale(Host, e.Message);
        }
        finally
        {
            if (!alive)
            {
                connection.Dispose();
            }
        }

        return alive;
    }

    private async Task<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new TrackingSmtpClient { Timeout = (int)OperationTimeout.TotalMilliseconds };
        var connected = false;
        try
        {
            await client.ConnectAsync(Host, _options.Port, _options.SocketOptions, cancellationToken);
            if (!string.IsNullOrEmpty(_options.Username))
            {
                await client.AuthenticateAsync(_options.Username, _options.Password ?? "", cancellationToken);
            }

            connected = true;
            _logger.SmtpConnected(Host, _options.Port, _options.Security, _idle.Count);
            return new Connection(client, _time.GetTimestamp());
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken) || e is NotSupportedException)
        {
            // NotSupportedException: a username is configured but the server offers no AUTH (often: only after STARTTLS).
            var what = e is AuthenticationException or NotSupportedException ? $"Could not authenticate as {_options.Username} at" : "Could not connect to";
            throw new EmailSendException(SendFailureKind.NotSent, $"{what} SMTP server {Host}:{_options.Port}: {e.Message}", e);
        }
        finally
        {
            if (!connected)
            {
                client.Dispose();
            }
        }
    }

    private void Return(Connection connection)
    {
        connection.LastUsed = _time.GetTimestamp();
        _idle.Push(connection);
        if (Volatile.Read(ref _disposed) != 0)
        {
            // Disposed while this send ran: the drain has already happened, so close it here.
            DrainIdle();
        }
    }

    /// <summary>Failures that mean this connection cannot be used, as opposed to a caller's cancellation or a bug.</summary>
    private static bool IsTransportFailure(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        IOException or SocketException or TimeoutException => true,
        ProtocolException or CommandException or AuthenticationException or SslHandshakeException => true,
        ServiceNotAuthenticatedException or ServiceNotConnectedException => true,
        _ => false,
    };

    /// <summary>
    /// Whether a message may have left, judged by where the exchange failed. A reply from the
    /// server is a certain answer. A broken connection before the server accepted any recipient
    /// (typically a pooled connection the server had dropped) cannot have delivered anything; once
    /// a recipient is accepted the data may be on its way, and a break is in doubt.
    /// </summary>
    internal static SendFailureKind? DuringSend(Exception e, bool recipientAccepted, CancellationToken cancellationToken) => e switch
    {
        SmtpCommandException command => FromReply(command),

        // The server wanted AUTH before MAIL FROM, or the client was not connected: nothing was sent.
        ServiceNotAuthenticatedException or ServiceNotConnectedException => SendFailureKind.NotSent,

        // Needs SMTPUTF8 (an internationalised address) and this server lacks it: resending will not help.
        NotSupportedException => SendFailureKind.Rejected,
        _ when IsTransportFailure(e, cancellationToken) => recipientAccepted ? SendFailureKind.Unknown : SendFailureKind.NotSent,
        _ => null,
    };

    /// <summary>
    /// 4xx is "try again later" whatever the stage. A 5xx refusal is a hard bounce of the address
    /// only when its reason is the address (<see cref="BounceReasons"/>: "550 5.1.1 user unknown"
    /// at RCPT, or at DATA for servers that check late); "554 5.7.1 Relay access denied", a
    /// blocklist, a policy or a full mailbox refuse the message, not the contact.
    /// </summary>
    private static SendFailureKind FromReply(SmtpCommandException e) => (int)e.StatusCode switch
    {
        >= 400 and < 500 => SendFailureKind.NotSent,
        >= 500 and < 600 when e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted
            && BounceReasons.Classify(null, string.Create(CultureInfo.InvariantCulture, $"{(int)e.StatusCode} {e.Message}")).Hard => SendFailureKind.RecipientRejected,
        >= 500 and < 600 => SendFailureKind.Rejected,
        _ => SendFailureKind.Unknown,
    };

    private string Describe(SendFailureKind kind, Exception e)
    {
        var reply = e is SmtpCommandException command
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)command.StatusCode} {command.Message}")
            : e.Message;
        return kind switch
        {
            SendFailureKind.RecipientRejected => $"SMTP server {Host} refused the recipient: {reply}",
            SendFailureKind.Rejected => $"SMTP server {Host} refused the message: {reply}",
            SendFailureKind.NotSent => $"SMTP server {Host} did not take the message (temporary): {reply}",
            _ => $"The connection to SMTP server {Host} failed while the message was being sent; it may have been accepted: {reply}",
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_idle.TryPop(out var connection))
        {
            await QuitAsync(connection);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            DrainIdle();
        }
    }

    private void DrainIdle()
    {
        while (_idle.TryPop(out var connection))
        {
            connection.Dispose();
        }
    }

    /// <summary>Says QUIT so the server logs a clean end rather than a dropped client.</summary>
    private static async Task QuitAsync(Connection connection)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.Client.DisconnectAsync(quit: true, timeout.Token);
        }
        catch (Exception e) when (IsTransportFailure(e, CancellationToken.None))
        {
            // Closing anyway.
        }
        finally
        {
            connection.Dispose();
        }
    }

    /// <summary>An SMTP client that notes when the server accepted a recipient of the message in flight.</summary>
    private sealed class TrackingSmtpClient : SmtpClient
    {
        public bool RecipientAccepted { get; set; }

        protected override void OnRecipientAccepted(MimeKit.MimeMessage message, MimeKit.MailboxAddress mailbox, SmtpResponse response)
        {
            RecipientAccepted = true;
            base.OnRecipientAccepted(message, mailbox, response);
        }
    }

    private sealed class Connection(TrackingSmtpClient client, long lastUsed) : IDisposable
    {
        public TrackingSmtpClient Client { get; } = client;

        /// <summary>A <see cref="TimeProvider"/> timestamp, so tests can age a connection without waiting.</summary>
        public long LastUsed { get; set; } = lastUsed;

        public void Dispose() => Client.Dispose();
    }
}
