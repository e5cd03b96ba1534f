using System.Security.Cryptography;
using System.Text;
using MimeKit;
using Sequences.Core.Inbound;

namespace Sequences.Email.Inbound;

/// <summary>
/// Reads a received email (raw MIME) into the compact <see cref="InboundEmail"/> the core
/// classifies. The raw message can be megabytes; what is kept is bounded (headers ~12 KiB, text
/// 8,000 characters, a few addresses) so an inbound item fits a 64 KiB queue message.
/// </summary>
public static class InboundMime
{
    /// <summary>How much of the body the classifier sees: enough for any auto-reply or bounce text.</summary>
    public const int MaxSnippetLength = 8_000;

    /// <summary>The UTF-8 bytes of names and values kept in <see cref="InboundEmail.Headers"/>.</summary>
    public const int HeaderBudget = 12 * 1024;

    /// <summary>A header value is cut here: RFC 5322's line limit; nothing the classifier reads is longer.</summary>
    public const int MaxHeaderValueLength = 998;

    /// <summary>
    /// Headers not kept: the typed fields of <see cref="InboundEmail"/> (kept once, there), and the
    /// transport's and anti-spam machinery's, which are large and say nothing about who wrote.
    /// </summary>
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references", "return-path",
        "received", "x-received", "received-spf", "dkim-signature", "x-google-dkim-signature", "domainkey-signature",
        "x-ms-exchange-authentication-results", "x-gm-message-state", "x-google-smtp-source",
        "x-gm-gg", "x-gm-features", "x-ms-office365-filtering-correlation-id", "x-ms-traffictypediagnostic",
        "x-ms-publictraffictype", "x-ms-exchange-atpmessageproperties", "x-ms-exchange-senderadcheck", "mime-version",
    };

    private static readonly string[] SkippedPrefixes =
    [
        "arc-", "x-microsoft-antispam", "x-forefront-antispam", "x-ms-exchange-antispam", "x-ms-exchange-crosstenant-",
        "x-ms-exchange-transport-", "x-ms-oob-tlc-", "x-eopattributedmessage", "x-eoptenantattributedmessage",
    ];

    /// <summary>Parses raw MIME, refusing what is not an email (see <see cref="ParseAsync"/>).</summary>
    public static MimeMessage Parse(Stream raw, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raw);
        try
        {
            return Checked(MimeMessage.Load(raw, cancellationToken));
        }
        catch (FormatException e)
        {
            throw NotMime(e);
        }
    }

    /// <summary>
    /// Parses raw MIME without blocking (an HTTP request body allows no synchronous reads). MimeKit
    /// reads almost anything that starts with a header line, so the input is refused — with
    /// <see cref="MalformedInboundException"/> — when it does not parse at all (empty, binary,
    /// prose without headers) or parses but has none of From, Sender, Message-ID and Date: no
    /// mail system delivers such a thing, so it is not an email that was received.
    /// </summary>
    public static async Task<MimeMessage> ParseAsync(Stream raw, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raw);
        try
        {
            return Checked(await MimeMessage.LoadAsync(raw, cancellationToken));
        }
        catch (FormatException e)
        {
            throw NotMime(e);
        }
    }

    internal static MimeMessage Parse(string raw) =>
        Parse(new MemoryStream(Encoding.UTF8.GetBytes(raw), writable: false), CancellationToken.None);

    internal static MimeMessage Checked(MimeMessage message)
    {
        var headers = message.Headers;
        if (!headers.Contains(HeaderId.From) && !headers.Contains(HeaderId.Sender) && !headers.Contains(HeaderId.MessageId) && !headers.Contains(HeaderId.Date))
        {
            throw new MalformedInboundException("The input has none of the headers every email has (From, Sender, Message-ID, Date).");
        }

        return message;
    }

    private static MalformedInboundException NotMime(FormatException e) =>
        new(e.Message.Contains("End of stream", StringComparison.OrdinalIgnoreCase)
            ? "The input is empty."
            : "The input is not a MIME message: it does not start with email headers.", e);

    /// <summary>
    /// The parts of <paramref name="message"/> the engine acts on. Throws
    /// <see cref="MalformedInboundException"/> when there is no From at all: without a sender
    /// nothing can be matched, and no mail system delivers such a message. A From with a name
    /// and no address ("MAILER-DAEMON &lt;&gt;", as bounces are sent) is read by its name.
    /// </summary>
    public static InboundEmail Extract(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var from = message.From.Mailboxes.FirstOrDefault(m => !string.IsNullOrWhiteSpace(m.Address));
        var name = from?.Name is { Length: > 0 } n ? n
            : message.From.Mailboxes.FirstOrDefault()?.Name is { Length: > 0 } named ? named
            : message.Headers[HeaderId.From]?.Trim() is { Length: > 0 } raw && from is null ? raw.Split('<')[0].Trim().Trim('"')
            : null;
        if (from is null && string.IsNullOrWhiteSpace(name))
        {
            throw new MalformedInboundException("The message has no From mailbox.");
        }

        return new InboundEmail(
            MessageId: Bracketed(message.MessageId) ?? ContentId(message),
            From: from?.Address ?? "",
            FromName: string.IsNullOrWhiteSpace(name) ? null : name,
            To: Addresses(message.To),
            Cc: Addresses(message.Cc),
            Subject: message.Subject ?? "",
            Date: message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date : null,
            InReplyTo: Bracketed(message.InReplyTo),
            References: [.. message.References.Select(r => $"<{r}>")],
            Headers: KeptHeaders(message),
            ReturnPath: ReturnPath(message.Headers[HeaderId.ReturnPath]),
            TextSnippet: Snippet(message),
            Report: Report(message.Body));
    }

    private static string? Bracketed(string? id) => string.IsNullOrWhiteSpace(id) ? null : $"<{id.Trim().Trim('<', '>')}>";

    /// <summary>
    /// A message without a Message-ID still needs a stable id: the queue delivers at least once
    /// and the inbound log deduplicates by it, so it is derived from the content, never random.
    /// </summary>
    private static string ContentId(MimeMessage message)
    {
        using var sha = SHA256.Create();
        using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write, leaveOpen: true))
        {
            message.WriteTo(hashing);
        }

        return $"<{Convert.ToHexStringLower(sha.Hash!)}@inbound.sequences>";
    }

    private static string[] Addresses(InternetAddressList list) =>
        [.. list.Mailboxes.Select(m => m.Address).Where(a => !string.IsNullOrWhiteSpace(a))];

    /// <summary>
    /// Lower-case names to the first value, whitespace collapsed, long values cut, within
    /// <see cref="HeaderBudget"/>; a header that no longer fits is left out but smaller ones after
    /// it still get in. The top-level Content-Type (MimeKit files it under the body) is kept: a
    /// <c>multipart/report</c> tells a read receipt from a reply.
    /// </summary>
    private static Dictionary<string, string> KeptHeaders(MimeMessage message)
    {
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = 0;
        var headers = message.Headers.Select(h => (h.Field, h.Value));
        if (message.Body?.Headers[HeaderId.ContentType] is { } contentType)
        {
            headers = headers.Prepend(("Content-Type", contentType));
        }

        foreach (var (field, rawValue) in headers)
        {
            var name = field.ToLowerInvariant();
            if (kept.ContainsKey(name) || SkippedHeaders.Contains(name) || SkippedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var value = OneLine(rawValue ?? "", MaxHeaderValueLength);
            var size = Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
            if (used + size > HeaderBudget)
            {
                continue;
            }

            kept.Add(name, value);
            used += size;
        }

        return kept;
    }

    private static string OneLine(string value, int maxLength)
    {
        var line = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length > maxLength ? line[..maxLength] : line;
    }

    /// <summary>Null without the header; "" for the null path <c>&lt;&gt;</c> (bounces, auto-replies); else the address.</summary>
    private static string? ReturnPath(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Trim('<', '>', ' ', '\t').Length == 0)
        {
            return "";
        }

        return MailboxAddress.TryParse(trimmed, out var mailbox) ? mailbox.Address : trimmed.Trim('<', '>');
    }

    /// <summary>The text body, else the HTML one as text; line ends as '\n'; the first <see cref="MaxSnippetLength"/> characters.</summary>
    private static string Snippet(MimeMessage message)
    {
        var text = message.TextBody;
        if (text is null && message.HtmlBody is { } html)
        {
            text = HtmlText.ToText(html, MaxSnippetLength);
        }

        text = (text ?? "").ReplaceLineEndings("\n").Trim();
        return text.Length > MaxSnippetLength ? text[..MaxSnippetLength] : text;
    }

    /// <summary>
    /// The delivery status report (RFC 3464) in a <c>multipart/report</c>, looked for at the top and
    /// in nested multiparts (some gateways wrap it) but not inside attached messages (a forwarded
    /// bounce is a person's message about a bounce).
    /// </summary>
    private static DeliveryReport? Report(MimeEntity? body)
    {
        if (body is not Multipart multipart)
        {
            return null;
        }

        if (multipart is MultipartReport report && report.OfType<MessageDeliveryStatus>().FirstOrDefault() is { } status)
        {
            // A message/rfc822 or text/rfc822-headers part (MimeKit reads both as a MessagePart) is the returned message.
            var original = report.OfType<MessagePart>().Select(p => p.Message?.MessageId).FirstOrDefault(id => !string.IsNullOrWhiteSpace(id));
            return new DeliveryReport(Recipients(status), Bracketed(original));
        }

        return multipart.Select(Report).FirstOrDefault(r => r is not null);
    }

    /// <summary>
    /// The per-recipient groups. By RFC 3464 the first group is per-message and the rest
    /// per-recipient; a group is taken as per-recipient by its fields instead, so the one-group
    /// reports some servers write are read too.
    /// </summary>
    private static List<DeliveryStatus> Recipients(MessageDeliveryStatus status)
    {
        var recipients = new List<DeliveryStatus>();
        foreach (var group in status.StatusGroups)
        {
            var final = group["Final-Recipient"] ?? group["Original-Recipient"];
            var action = group["Action"];
            if (final is null && action is null)
            {
                continue;
            }

            recipients.Add(new DeliveryStatus(
                RecipientAddress(final),
                OneLine(action ?? "", 64),
                OneLine(group["Status"] ?? "", 64),
                group["Diagnostic-Code"] is { } diagnostic ? OneLine(diagnostic, MaxHeaderValueLength) : null));
        }

        return recipients;
    }

    /// <summary>"rfc822; ann@buyer.test" → "ann@buyer.test" (the address type is always rfc822 for email).</summary>
    private static string RecipientAddress(string? value)
    {
        if (value is null)
        {
            return "";
        }

        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        return value[(semicolon + 1)..].Trim().Trim('<', '>');
    }
}
