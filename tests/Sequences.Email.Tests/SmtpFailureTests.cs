using Sequences.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sequences.Core.Email;
using Sequences.Storage.Local;

namespace Sequences.Email.Tests;

/// <summary>How the SMTP transport classifies a server's answers and reuses connections, against scripted SMTP peers.</summary>
public class SmtpFailureTests
{
    [Theory]
    [InlineData("RCPT", "550 5.1.1 no such user here", SendFailureKind.RecipientRejected)]
    [InlineData("RCPT", "450 4.2.1 mailbox busy, try later", SendFailureKind.NotSent)]
    [InlineData("MAIL", "553 5.7.1 sender not allowed", SendFailureKind.Rejected)]
    [InlineData("MAIL", "421 4.7.0 too many connections", SendFailureKind.NotSent)]
    [InlineData(".", "554 5.7.1 message looks like spam", SendFailureKind.Rejected)]
    [InlineData(".", "451 4.3.0 local error, try later", SendFailureKind.NotSent)]
    [InlineData("", "554 5.3.2 no service", SendFailureKind.NotSent)]
    public async Task Smtp_reply_decides_whether_the_email_may_have_left(string stage, string reply, SendFailureKind expected)
    {
        await using var server = new ScriptedSmtpServer(command => IsStage(command, stage) ? new SmtpReply(reply) : null);
        await using var transport = Transport(server.Port);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(expected, failure.Kind);
        Assert.Contains(reply[4..], failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_connection_lost_after_the_message_data_is_unknown()
    {
        await using var server = new ScriptedSmtpServer(command => command == "." ? SmtpReply.Drop : null);
        await using var transport = Transport(server.Port);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.Unknown, failure.Kind);
        Assert.Equal(1, server.Messages);
    }

    [Fact]
    public async Task Smtp_connection_refused_is_not_sent()
    {
        var port = NodeServerProcess.FreePorts(1)[0];
        await using var transport = Transport(port);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_credentials_for_a_server_without_auth_is_not_sent()
    {
        await using var server = new ScriptedSmtpServer();
        await using var transport = Transport(server.Port, username: "sequences", password: "secret");

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        Assert.Equal(0, server.Messages);
    }

    [Fact]
    public async Task Smtp_sequential_sends_reuse_one_connection_without_noop_while_fresh()
    {
        await using var server = new ScriptedSmtpServer();
        await using var transport = Transport(server.Port);

        for (var i = 0; i < 10; i++)
        {
            var result = await transport.SendAsync(TestEmails.Create(), CancellationToken.None);
            Assert.Contains("queued as SCRIPTED", result.ProviderMessageId, StringComparison.Ordinal);
        }

        Assert.Equal(1, server.Connections);
        Assert.Equal(10, server.Messages);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("NOOP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Smtp_concurrent_sends_open_at_most_four_connections()
    {
        await using var server = new ScriptedSmtpServer();
        await using var transport = Transport(server.Port);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => transport.SendAsync(TestEmails.Create(), CancellationToken.None)));

        Assert.Equal(20, server.Messages);
        Assert.InRange(server.Connections, 1, SmtpTransport.MaxConnections);
    }

    [Fact]
    public async Task Smtp_failed_connection_is_not_reused()
    {
        await using var server = new ScriptedSmtpServer(command =>
            command.StartsWith("RCPT", StringComparison.Ordinal) && command.Contains("bounce", StringComparison.Ordinal) ? new SmtpReply("550 5.1.1 unknown user") : null);
        await using var transport = Transport(server.Port);

        await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create("bounce@reader.example"), CancellationToken.None));
        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        Assert.Equal(2, server.Connections);
        Assert.Equal(1, server.Messages);
    }

    [Fact]
    public async Task Smtp_idle_connection_dropped_by_the_server_is_replaced_after_a_failed_noop()
    {
        // The server hangs up after each message, as a server that times idle clients out would.
        await using var server = new ScriptedSmtpServer(command => command == "." ? new SmtpReply("250 2.0.0 queued", HangUp: true) : null);

        await SendAcrossAnIdleGapAsync(server);

        Assert.Equal(2, server.Messages);
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task Smtp_pooled_connection_dropped_before_any_recipient_was_accepted_is_not_sent()
    {
        // Dropped soon after the last send, before the NOOP check applies: the next send breaks at
        // MAIL FROM, before the server accepted a recipient, so nothing can have been delivered.
        await using var server = new ScriptedSmtpServer(command => command == "." ? new SmtpReply("250 2.0.0 queued", HangUp: true) : null);
        await using var transport = Transport(server.Port);
        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        Assert.Equal(1, server.Messages);
    }

    [Fact]
    public async Task Smtp_idle_connection_still_alive_is_reused_after_noop()
    {
        await using var server = new ScriptedSmtpServer();

        await SendAcrossAnIdleGapAsync(server);

        Assert.Equal(1, server.Connections);
        Assert.Contains("NOOP", server.Commands);
    }

    [Fact]
    public async Task Smtp_send_honours_cancellation()
    {
        await using var server = new ScriptedSmtpServer();
        await using var transport = Transport(server.Port);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => transport.SendAsync(TestEmails.Create(), cancelled.Token));
        Assert.Equal(0, server.Messages);
    }

    /// <summary>Sends, lets the pooled connection sit idle past the NOOP threshold, and sends again.</summary>
    private static async Task SendAcrossAnIdleGapAsync(ScriptedSmtpServer server)
    {
        var time = new FakeTimeProvider();
        await using var transport = Transport(server.Port, time);
        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);
        time.Advance(SmtpTransport.IdleCheckAfter + TimeSpan.FromSeconds(1));
        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);
    }

    private static bool IsStage(string command, string stage) =>
        stage is "" or "." ? command == stage : command.StartsWith(stage, StringComparison.Ordinal);

    internal static SmtpTransport Transport(int port, TimeProvider? time = null, string? username = null, string? password = null) =>
        new(new SmtpOptions { Host = "127.0.0.1", Port = port, Username = username, Password = password },
            time ?? TimeProvider.System, NullLogger<SmtpTransport>.Instance);
}
