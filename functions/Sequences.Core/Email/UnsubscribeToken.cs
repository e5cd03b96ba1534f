using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Sequences.Core.Email;

/// <summary>What an unsubscribe link says: whose, from which enrollment, sent to which address (null in links made before addresses were bound).</summary>
public sealed record UnsubscribeLink(string ContactId, string EnrollmentId, string? Address);

/// <summary>
/// The token in unsubscribe links: contact and enrollment ids and the address the email went to,
/// with an HMAC, so the one-click endpoint needs no login and no lookup, a guessed or altered link
/// is refused, and a link only speaks for the address it was sent to. Any of the accepted keys
/// verifies a link (so the secret can rotate while older emails' links keep working).
/// </summary>
public static class UnsubscribeToken
{
    private const int MacBytes = 16;

    public static string Create(ReadOnlySpan<byte> secret, string contactId, string enrollmentId, string address)
    {
        var payload = Encoding.UTF8.GetBytes($"{contactId}\n{enrollmentId}\n{address}");
        var mac = HMACSHA256.HashData(secret, payload).AsSpan(0, MacBytes);
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(mac)}";
    }

    public static UnsubscribeLink? Read(IReadOnlyList<byte[]> secrets, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
        {
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (mac.Length != MacBytes || !secrets.Any(secret => CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(secret, payload).AsSpan(0, MacBytes), mac)))
        {
            return null;
        }

        return Encoding.UTF8.GetString(payload).Split('\n') switch
        {
            [var contactId, var enrollmentId] => new UnsubscribeLink(contactId, enrollmentId, null),
            [var contactId, var enrollmentId, var address] => new UnsubscribeLink(contactId, enrollmentId, address),
            _ => null,
        };
    }
}
