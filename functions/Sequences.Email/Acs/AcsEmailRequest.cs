using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sequences.Core.Email;

namespace Sequences.Email.Acs;

/// <summary>
/// The body and Operation-Id of <c>POST /emails:send</c> (Email REST API, api-version 2025-09-01;
/// schema <c>EmailMessage</c> in azure-rest-api-specs, specification/communication/data-plane/Email).
/// </summary>
internal static class AcsEmailRequest
{
    public const string ApiVersion = "2025-09-01";

    /// <summary>
    /// Headers ACS writes from the body's own fields (or that describe the MIME structure it builds).
    /// A pass-through header of the same name would contradict them, so it is refused, as the MIME builder does.
    /// </summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "MIME-Version",
        "Message-ID", "In-Reply-To", "References", "List-Unsubscribe", "List-Unsubscribe-Post",
    };

    /// <summary>
    /// The default encoder writes every &lt; of an HTML body as \u003C, for JSON that might end up
    /// inside a web page; this body goes only to ACS, so it is written plainly (quotes, backslashes
    /// and control characters are still escaped, as JSON requires).
    /// </summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The ACS operation for a step: a UUID from the SHA-256 of the idempotency key (enrollment +
    /// step), so every resend of the step names the same operation and ACS accepts it once. The
    /// version nibble says 8 (RFC 9562: custom, hash-based) and the variant bits are RFC 4122's.
    /// </summary>
    public static Guid OperationId(string idempotencyKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The JSON body, UTF-8. Our Message-ID, thread and unsubscribe headers travel as custom headers.</summary>
    public static byte[] Body(OutgoingEmail email, bool disableEngagementTracking)
    {
        var sender = Address(email.From, SendFailureKind.Rejected);
        var recipient = Address(email.To, SendFailureKind.RecipientRejected);

        var buffer = new ArrayBufferWriter<byte>(4096 + (email.HtmlBody.Length + email.TextBody.Length) * 2);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("senderAddress", sender);
            json.WriteStartObject("recipients");
            json.WriteStartArray("to");
            json.WriteStartObject();
            json.WriteString("address", recipient);
            if (!string.IsNullOrWhiteSpace(email.To.Name))
            {
                json.WriteString("displayName", MimeBuilder.OneLine(email.To.Name));
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteStartObject("content");
            json.WriteString("subject", MimeBuilder.OneLine(email.Subject));
            json.WriteString("plainText", email.TextBody);
            json.WriteString("html", email.HtmlBody);
            json.WriteEndObject();

            json.WriteStartObject("headers");
            foreach (var (name, value) in Headers(email))
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteBoolean("userEngagementTrackingDisabled", disableEngagementTracking);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Message-ID is one ACS accepts from the sender (its docs on reserved custom headers describe
    /// validating "the internet message ID sent by the customer"); an ID it finds malformed it
    /// silently replaces, so ours keep the RFC 5322 form &lt;left@domain&gt; the composer gives them.
    /// </summary>
    private static IEnumerable<(string Name, string Value)> Headers(OutgoingEmail email)
    {
        yield return ("Message-ID", MimeBuilder.OneLine(email.MessageId));
        if (!string.IsNullOrWhiteSpace(email.InReplyTo))
        {
            yield return ("In-Reply-To", MimeBuilder.OneLine(email.InReplyTo));
        }

        if (email.References.Count > 0)
        {
            yield return ("References", MimeBuilder.OneLine(string.Join(' ', email.References)));
        }

        // RFC 8058 one-click unsubscribe, as in the MIME the other transports send.
        yield return ("List-Unsubscribe", $"<{MimeBuilder.OneLine(email.UnsubscribeUrl)}>");
        yield return ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

        foreach (var (name, value) in email.Headers)
        {
            if (ReservedHeaders.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The header '{name}' is set from the email's own fields and cannot be passed through.", nameof(email));
            }

            yield return (name, MimeBuilder.OneLine(value));
        }
    }

    /// <summary>An address without an @ never will be accepted: fail it as ACS would, without spending quota on it.</summary>
    private static string Address(EmailAddress address, SendFailureKind whenInvalid)
    {
        var value = MimeBuilder.OneLine(address.Address).Trim();
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at < value.Length - 1
            ? value
            : throw new EmailSendException(whenInvalid, $"'{value}' is not a valid email address: it has no local part and domain around an @.");
    }
}
