using System.Text;
using System.Text.Json;
using MimeKit;

namespace Sequences.Email.Inbound;

/// <summary>
/// Turns the form posts of inbound-mail services into a <see cref="MimeMessage"/>, so everything
/// after the endpoint reads one format. The raw MIME, when the service sends it, is always
/// preferred: it is the message itself, delivery reports included. The parsed fields are a
/// reconstruction: the headers as the service lists them, the text and HTML bodies, attachments
/// left out (nothing downstream reads them).
/// </summary>
public static class InboundForms
{
    /// <summary>
    /// SendGrid Inbound Parse: the raw message in <c>email</c> (with "POST the raw, full MIME
    /// message" on), or <c>headers</c> (the raw header block), <c>from</c>, <c>to</c>, <c>cc</c>,
    /// <c>subject</c>, <c>text</c>, <c>html</c> and <c>envelope</c> (<c>{"to":[…],"from":"…"}</c>).
    /// The envelope sender becomes the Return-Path when the headers have none: it is the SMTP
    /// MAIL FROM, and an empty one is the null path of bounces and auto-replies.
    /// </summary>
    public static MimeMessage FromSendGrid(IReadOnlyDictionary<string, string> fields)
    {
        var form = new Form(fields);
        if (form["email"] is { } raw)
        {
            return InboundMime.Parse(raw);
        }

        if (form["headers"] is null && form["from"] is null)
        {
            throw new MalformedInboundException("The SendGrid post has neither the raw 'email' field nor the parsed 'headers' and 'from' fields.");
        }

        var headers = ParseHeaders(form["headers"] ?? "", "headers");
        var (envelopeFrom, envelopeTo) = Envelope(form["envelope"]);
        AddIfMissing(headers, "From", form["from"]);
        AddIfMissing(headers, "To", form["to"] ?? (envelopeTo.Count > 0 ? string.Join(", ", envelopeTo) : null));
        AddIfMissing(headers, "Cc", form["cc"]);
        AddIfMissing(headers, "Subject", form["subject"]);
        AddReturnPath(headers, envelopeFrom);
        return Build(headers, form["text"], form["html"]);
    }

    /// <summary>
    /// A Mailgun route: the raw message in <c>body-mime</c> (routes to a "mime" URL, and stored
    /// messages), or the parsed fields: <c>message-headers</c> (a JSON array of [name, value]
    /// pairs), <c>from</c>, <c>sender</c> (the SMTP MAIL FROM, used as Return-Path when the headers
    /// have none), <c>recipient</c>, <c>subject</c>, <c>body-plain</c> (else <c>stripped-text</c>),
    /// <c>body-html</c>, and the header fields <c>Message-Id</c>, <c>In-Reply-To</c>, <c>References</c>, <c>Date</c>.
    /// The full <c>body-plain</c> is preferred to <c>stripped-text</c>: the classifier removes quotes
    /// itself, and Mailgun's stripping also drops signatures, where an auto-reply's return date can stand.
    /// Check the post's signature first (<see cref="MailgunSignature"/>).
    /// </summary>
    public static MimeMessage FromMailgun(IReadOnlyDictionary<string, string> fields)
    {
        var form = new Form(fields);
        if (form["body-mime"] is { } raw)
        {
            return InboundMime.Parse(raw);
        }

        if (form["message-headers"] is null && form["from"] is null && form["sender"] is null)
        {
            throw new MalformedInboundException("The Mailgun post has neither 'body-mime' nor the parsed 'message-headers', 'from' or 'sender' fields.");
        }

        var headers = form["message-headers"] is { } json ? HeaderPairs(json) : [];
        AddIfMissing(headers, "From", form["from"] ?? form["sender"]);
        AddIfMissing(headers, "To", form["To"] ?? form["recipient"]);
        AddIfMissing(headers, "Subject", form["subject"]);
        AddIfMissing(headers, "Message-ID", form["Message-Id"]);
        AddIfMissing(headers, "In-Reply-To", form["In-Reply-To"]);
        AddIfMissing(headers, "References", form["References"]);
        AddIfMissing(headers, "Date", form["Date"]);
        AddReturnPath(headers, fields.TryGetValue("sender", out var sender) ? sender : null);
        return Build(headers, form["body-plain"] ?? form["stripped-text"], form["body-html"] ?? form["stripped-html"]);
    }

    /// <summary>
    /// Headers are parsed as raw header text, whether the service passed them encoded
    /// (<c>=?utf-8?…?=</c>) or decoded (UTF-8): MimeKit reads both the same way.
    /// </summary>
    private static HeaderList ParseHeaders(string block, string field)
    {
        var text = block.ReplaceLineEndings("\r\n").TrimEnd('\r', '\n') + "\r\n\r\n";
        try
        {
            return HeaderList.Load(new MemoryStream(Encoding.UTF8.GetBytes(text), writable: false));
        }
        catch (FormatException e)
        {
            throw new MalformedInboundException($"The '{field}' field is not a header block.", e);
        }
    }

    private static HeaderList HeaderPairs(string json)
    {
        var block = new StringBuilder();
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var pair in document.RootElement.EnumerateArray())
            {
                if (pair.GetArrayLength() == 2 && pair[0].GetString() is { } name && IsFieldName(name))
                {
                    block.Append(name).Append(": ").Append(OneLine(pair[1].GetString() ?? "")).Append("\r\n");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new MalformedInboundException("The 'message-headers' field is not a JSON array of [name, value] pairs.", e);
        }

        return ParseHeaders(block.ToString(), "message-headers");
    }

    private static (string? From, IReadOnlyList<string> To) Envelope(string? json)
    {
        if (json is null)
        {
            return (null, []);
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var from = root.TryGetProperty("from", out var f) && f.ValueKind is JsonValueKind.String or JsonValueKind.Null ? f.GetString() ?? "" : null;
            List<string> to = root.TryGetProperty("to", out var t) && t.ValueKind == JsonValueKind.Array
                ? [.. t.EnumerateArray().Select(a => a.GetString()).OfType<string>()]
                : [];
            return (from, to);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new MalformedInboundException("The 'envelope' field is not the JSON object SendGrid sends.", e);
        }
    }

    /// <summary>The header list is the authority; the service's separate fields only fill what it lacks.</summary>
    private static void AddIfMissing(HeaderList headers, string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || headers.Contains(name))
        {
            return;
        }

        foreach (var header in ParseHeaders($"{name}: {OneLine(value)}", name))
        {
            headers.Add(header);
        }
    }

    /// <summary>The SMTP envelope sender as Return-Path (which the delivering server would have written); "" is the null path.</summary>
    private static void AddReturnPath(HeaderList headers, string? envelopeFrom)
    {
        if (envelopeFrom is not null && !headers.Contains(HeaderId.ReturnPath))
        {
            AddIfMissing(headers, "Return-Path", $"<{envelopeFrom.Trim().Trim('<', '>')}>");
        }
    }

    /// <summary>
    /// The message from headers and bodies. The original's Content-* and MIME-Version headers
    /// described a body that is not here (attachments are dropped), so they are left out; the
    /// MimeMessage(headers) constructor adds no Date or Message-ID of its own, so what is missing
    /// stays missing and the id derived from content stays deterministic.
    /// </summary>
    private static MimeMessage Build(HeaderList headers, string? text, string? html)
    {
        var kept = headers
            .Where(h => !h.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && h.Id != HeaderId.MimeVersion)
            .Select(h => h.Clone())
            .ToList();
        var message = new MimeMessage(kept);
        var plain = text is null ? null : new TextPart("plain") { Text = text };
        var rich = html is null ? null : new TextPart("html") { Text = html };
        message.Body = (plain, rich) switch
        {
            ({ } p, { } h) => new MultipartAlternative { p, h },
            (null, { } h) => h,
            _ => plain ?? new TextPart("plain") { Text = "" },
        };
        return InboundMime.Checked(message);
    }

    private static string OneLine(string value) =>
        string.Join(' ', value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));

    /// <summary>RFC 5322 field names: printable ASCII but colon and space. Anything else would break the header block.</summary>
    private static bool IsFieldName(string name) => name.Length > 0 && name.All(c => c is > ' ' and < '\x7f' and not ':');

    /// <summary>Form fields by name, ignoring case (services differ: Mailgun posts both "subject" and "Subject"); empty counts as absent.</summary>
    private sealed class Form(IReadOnlyDictionary<string, string> fields)
    {
        public string? this[string name] =>
            fields.TryGetValue(name, out var exact) ? Value(exact)
            : fields.FirstOrDefault(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { } other ? Value(other) : null;

        private static string? Value(string value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
