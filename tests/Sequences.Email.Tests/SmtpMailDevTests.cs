using MimeKit;
using Sequences.Core.Email;
using Sequences.Testing;

namespace Sequences.Email.Tests;

/// <summary>The SMTP transport against a real SMTP sink (maildev), reading back what it received.</summary>
public class SmtpMailDevTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Smtp_send_preserves_message_id_and_thread_headers()
    {
        var maildev = await MailDevServer.SharedAsync();
        await using var transport = SmtpFailureTests.Transport(maildev.SmtpPort);
        var recipient = TestEmails.UniqueRecipient();
        var email = TestEmails.FollowUp(recipient) with { Subject = "Re: Café für Zoë" };

        await transport.SendAsync(email, CancellationToken.None);

        var message = Assert.Single(await maildev.WaitForMessagesToAsync(recipient, 1, Arrival, CancellationToken.None));
        Assert.Equal(email.MessageId, "<" + message.MessageId + ">");
        Assert.Equal(email.InReplyTo, "<" + message.InReplyTo + ">");
        Assert.Equal(email.References, message.References.Select(r => "<" + r + ">"));
        Assert.Equal("Re: Café für Zoë", message.Subject);
        Assert.Equal($"<{email.UnsubscribeUrl}>", message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal(email.Headers["X-Sequences-Enrollment"], message.Headers["X-Sequences-Enrollment"]);
        Assert.Equal("alex@sender.example", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(email.TextBody, message.TextBody);
        Assert.Equal(email.HtmlBody, message.HtmlBody);
    }

    [Fact]
    public async Task Smtp_twenty_concurrent_sends_over_the_pool_all_arrive_once()
    {
        var maildev = await MailDevServer.SharedAsync();
        await using var transport = SmtpFailureTests.Transport(maildev.SmtpPort);
        var recipient = TestEmails.UniqueRecipient();
        var emails = Enumerable.Range(0, 20).Select(_ => TestEmails.Create(recipient)).ToList();

        await Task.WhenAll(emails.Select(e => transport.SendAsync(e, CancellationToken.None)));

        var received = await maildev.WaitForMessagesToAsync(recipient, 20, Arrival, CancellationToken.None);
        Assert.Equal(emails.Select(e => e.MessageId).Order(), received.Select(m => "<" + m.MessageId + ">").Order());
    }

    [Fact]
    public async Task Smtp_wrong_password_is_not_sent_and_the_right_one_delivers()
    {
        await using var maildev = await MailDevServer.StartAsync("sequences", "right-password", CancellationToken.None);
        var recipient = TestEmails.UniqueRecipient();

        await using (var wrong = SmtpFailureTests.Transport(maildev.SmtpPort, username: "sequences", password: "wrong-password"))
        {
            var failure = await Assert.ThrowsAsync<EmailSendException>(() => wrong.SendAsync(TestEmails.Create(recipient), CancellationToken.None));
            Assert.Equal(SendFailureKind.NotSent, failure.Kind);
            Assert.Contains("authenticate", failure.Message, StringComparison.Ordinal);
        }

        await using (var anonymous = SmtpFailureTests.Transport(maildev.SmtpPort))
        {
            var failure = await Assert.ThrowsAsync<EmailSendException>(() => anonymous.SendAsync(TestEmails.Create(recipient), CancellationToken.None));
            Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        }

        await using var right = SmtpFailureTests.Transport(maildev.SmtpPort, username: "sequences", password: "right-password");
        var email = TestEmails.Create(recipient);
        await right.SendAsync(email, CancellationToken.None);

        var message = Assert.Single(await maildev.WaitForMessagesToAsync(recipient, 1, Arrival, CancellationToken.None));
        Assert.Equal(email.MessageId, "<" + message.MessageId + ">");
    }

    [Fact]
    public async Task MailDev_wait_names_what_arrived_when_too_little_did()
    {
        var maildev = await MailDevServer.SharedAsync();
        await using var transport = SmtpFailureTests.Transport(maildev.SmtpPort);
        var recipient = TestEmails.UniqueRecipient();
        await transport.SendAsync(TestEmails.Create(recipient), CancellationToken.None);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() =>
            maildev.WaitForMessagesToAsync(recipient, 2, TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Contains($"1 arrived: ['Quick question' to {recipient}", timeout.Message, StringComparison.Ordinal);
        Assert.IsType<MimeMessage>(Assert.Single(await maildev.MessagesToAsync(recipient, CancellationToken.None)));
    }
}
