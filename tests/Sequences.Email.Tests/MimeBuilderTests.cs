using System.Text;
using MimeKit;
using Sequences.Core.Email;

namespace Sequences.Email.Tests;

public class MimeBuilderTests
{
    [Fact]
    public void Message_id_is_the_composed_one_and_follow_ups_carry_thread_headers()
    {
        var email = TestEmails.FollowUp("robin@reader.example");

        var (message, raw) = RoundTrip(email);

        Assert.Equal(email.MessageId, "<" + message.MessageId + ">");
        Assert.Contains($"Message-ID: {email.MessageId}\r\n", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(email.InReplyTo, "<" + message.InReplyTo + ">");
        Assert.Equal(email.References, message.References.Select(r => "<" + r + ">"));
        Assert.Equal(email.Date, message.Date);
        Assert.Equal("Re: Quick question", message.Subject);
    }

    [Fact]
    public void First_email_has_no_thread_headers()
    {
        var (message, _) = RoundTrip(TestEmails.Create());

        Assert.Null(message.InReplyTo);
        Assert.Empty(message.References);
    }

    [Fact]
    public void Sender_and_recipient_keep_names_and_addresses()
    {
        var (message, _) = RoundTrip(TestEmails.Create("robin@reader.example"));

        var from = Assert.Single(message.From.Mailboxes);
        Assert.Equal(("Alex Sender", "alex@sender.example"), (from.Name, from.Address));
        var to = Assert.Single(message.To.Mailboxes);
        Assert.Equal(("Robin Reader", "robin@reader.example"), (to.Name, to.Address));
    }

    [Fact]
    public void One_click_unsubscribe_headers_follow_rfc_8058()
    {
        var email = TestEmails.Create();

        var (message, _) = RoundTrip(email);

        Assert.Equal($"<{email.UnsubscribeUrl}>", message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public void Pass_through_headers_are_written()
    {
        var email = TestEmails.Create();

        var (message, _) = RoundTrip(email);

        Assert.Equal(email.Headers["X-Sequences-Enrollment"], message.Headers["X-Sequences-Enrollment"]);
        Assert.Equal("1", message.Headers["X-Sequences-Step"]);
    }

    [Fact]
    public void Body_is_plain_text_then_html_both_utf8()
    {
        var email = TestEmails.Create();

        var (message, _) = RoundTrip(email);

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(2, alternative.Count);
        var text = Assert.IsType<TextPart>(alternative[0]);
        var html = Assert.IsType<TextPart>(alternative[1]);
        Assert.Equal("text/plain", text.ContentType.MimeType);
        Assert.Equal("text/html", html.ContentType.MimeType);
        Assert.Equal("utf-8", text.ContentType.Charset, ignoreCase: true);
        Assert.Equal("utf-8", html.ContentType.Charset, ignoreCase: true);
        Assert.Equal(email.TextBody, text.Text);
        Assert.Equal(email.HtmlBody, html.Text);
        Assert.Equal(email.TextBody, message.TextBody);
        Assert.Equal(email.HtmlBody, message.HtmlBody);
    }

    [Fact]
    public void Non_ascii_subject_is_encoded_and_reads_back_unchanged()
    {
        var email = TestEmails.Create() with { Subject = "Café für Zoë — 東京で会いましょう" };

        var (message, raw) = RoundTrip(email);

        Assert.Equal(email.Subject, message.Subject);
        var headerBlock = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.True(headerBlock.All(char.IsAscii), "headers must be 7-bit (RFC 2047 encoded words)");
    }

    [Fact]
    public void Line_breaks_in_header_values_cannot_add_headers()
    {
        var email = TestEmails.Create() with
        {
            Subject = "Hello\r\nBcc: victim@evil.example",
            To = new("robin@reader.example", "Robin\r\nCc: other@evil.example"),
            Headers = new Dictionary<string, string> { ["X-Campaign"] = "spring\nBcc: victim@evil.example\r\n\r\nInjected body" },
        };

        var (message, raw) = RoundTrip(email);

        Assert.Empty(message.Bcc);
        Assert.Empty(message.Cc);
        Assert.DoesNotContain("\r\nBcc:", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\r\nCc:", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Hello  Bcc: victim@evil.example", message.Subject);
        Assert.StartsWith("spring Bcc: victim@evil.example", message.Headers["X-Campaign"], StringComparison.Ordinal);
        Assert.Equal(email.TextBody, message.TextBody);
    }

    [Fact]
    public void A_pass_through_header_cannot_replace_one_the_builder_owns()
    {
        var email = TestEmails.Create() with { Headers = new Dictionary<string, string> { ["message-id"] = "<other@evil.example>" } };

        Assert.Throws<ArgumentException>(() => MimeBuilder.Build(email));
    }

    [Theory]
    [InlineData("robin at reader.example")]
    [InlineData("robin@@reader.example")]
    [InlineData("")]
    public void Recipient_address_that_cannot_be_written_is_a_hard_bounce(string address)
    {
        var email = TestEmails.Create() with { To = new(address) };

        var failure = Assert.Throws<EmailSendException>(() => MimeBuilder.Build(email));

        Assert.Equal(SendFailureKind.RecipientRejected, failure.Kind);
    }

    [Fact]
    public void Sender_address_that_cannot_be_written_is_a_rejection()
    {
        var email = TestEmails.Create() with { From = new("alex sender.example") };

        var failure = Assert.Throws<EmailSendException>(() => MimeBuilder.Build(email));

        Assert.Equal(SendFailureKind.Rejected, failure.Kind);
    }

    [Fact]
    public void Lines_end_with_crlf()
    {
        var (_, raw) = RoundTrip(TestEmails.Create());

        Assert.DoesNotContain('\n', raw.Replace("\r\n", "", StringComparison.Ordinal));
    }

    /// <summary>What a receiver sees: the message written as bytes and parsed again.</summary>
    private static (MimeMessage Message, string Raw) RoundTrip(OutgoingEmail email)
    {
        using var built = MimeBuilder.Build(email);
        using var stream = new MemoryStream();
        built.WriteTo(MimeBuilder.Format, stream);
        var raw = Encoding.UTF8.GetString(stream.ToArray());
        stream.Position = 0;
        return (MimeMessage.Load(stream), raw);
    }
}
