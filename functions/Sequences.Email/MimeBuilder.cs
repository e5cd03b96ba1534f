using System.Text;
using MimeKit;
using MimeKit.Text;
using Sequences.Core.Email;

namespace Sequences.Email;

/// <summary>
/// Turns a rendered <see cref="OutgoingEmail"/> into the MIME message every transport that speaks
/// MIME sends, so the pickup file and the SMTP message are byte-for-byte the same email.
/// </summary>
internal static class MimeBuilder
{
    /// <summary>The header the composer puts the enrollment id in (for logs; replies find it by Message-ID).</summary>
    public const string EnrollmentHeader = "X-Sequences-Enrollment";

    /// <summary>
    /// Headers this builder writes itself. A pass-through header of the same name would make the
    /// message ambiguous (two Subjects, two Message-IDs), so it is refused rather than guessed at.
    /// </summary>
    private static readonly HashSet<string> OwnHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "Sender", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version",
    };

    /// <summary>CRLF line ends whatever the platform: RFC 5322 requires them and pickup readers expect them.</summary>
    internal static readonly FormatOptions Format = CreateFormat();

    public static MimeMessage Build(OutgoingEmail email)
    {
        var message = new MimeMessage();
        message.From.Add(Mailbox(email.From, SendFailureKind.Rejected));
        message.To.Add(Mailbox(email.To, SendFailureKind.RecipientRejected));
        message.Subject = OneLine(email.Subject);
        message.Date = email.Date;
        message.MessageId = BareId(email.MessageId);
        if (!string.IsNullOrWhiteSpace(email.InReplyTo))
        {
            message.InReplyTo = BareId(email.InReplyTo);
        }

        foreach (var reference in email.References)
        {
            message.References.Add(BareId(reference));
        }

        // RFC 8058 one-click unsubscribe: mailbox providers POST "List-Unsubscribe=One-Click" to the URL.
        message.Headers.Add("List-Unsubscribe", $"<{OneLine(email.UnsubscribeUrl)}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

        foreach (var (name, value) in email.Headers)
        {
            if (OwnHeaders.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The header '{name}' is set from the email's own fields and cannot be passed through.", nameof(email));
            }

            message.Headers.Add(name, OneLine(value));
        }

        // Plain text first: a client shows the last alternative it understands (RFC 2046 5.1.4).
        message.Body = new MultipartAlternative
        {
            Text(TextFormat.Plain, email.TextBody),
            Text(TextFormat.Html, email.HtmlBody),
        };
        return message;
    }

    /// <summary>The enrollment an email belongs to, for log lines.</summary>
    public static string EnrollmentIdOf(OutgoingEmail email) =>
        email.Headers.TryGetValue(EnrollmentHeader, out var id) && !string.IsNullOrWhiteSpace(id) ? id : email.IdempotencyKey;

    /// <summary>
    /// Header values come from templates and contact data; a CR or LF would end the header and let
    /// the rest of the value become a header of its own (a Bcc, say). Control characters become spaces.
    /// </summary>
    internal static string OneLine(string value)
    {
        if (!value.Any(char.IsControl))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsControl(c) && c != '\t' ? ' ' : c);
        }

        return builder.ToString();
    }

    /// <summary>Message-IDs are kept with angle brackets in the domain; MimeKit wants them without.</summary>
    private static string BareId(string messageId) =>
        string.Concat(messageId.Where(c => !char.IsWhiteSpace(c))).TrimStart('<').TrimEnd('>');

    /// <summary>
    /// An address that cannot be written into a message never will be, so it fails like a
    /// permanent refusal: for the recipient a hard bounce, for the sender a rejected message.
    /// </summary>
    private static MailboxAddress Mailbox(EmailAddress address, SendFailureKind whenInvalid)
    {
        var name = address.Name is null ? null : OneLine(address.Name);
        var addr = OneLine(address.Address).Trim();
        if (!addr.Contains('@', StringComparison.Ordinal))
        {
            throw Invalid("it has no @", null);
        }

        try
        {
            return new MailboxAddress(name, addr);
        }
        catch (ParseException e)
        {
            throw Invalid(e.Message, e);
        }

        EmailSendException Invalid(string why, Exception? inner) =>
            new(whenInvalid, $"'{addr}' is not a valid email address: {why}", inner);
    }

    private static TextPart Text(TextFormat format, string content)
    {
        // Quoted-printable keeps mostly-ASCII text readable and survives servers without 8BITMIME.
        var part = new TextPart(format) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.SetText(Encoding.UTF8, content);
        return part;
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
