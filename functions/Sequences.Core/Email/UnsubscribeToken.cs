using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Sequences.Core.Email;

/// <summary>
/// The token in unsubscribe links: contact and enrollment ids with an HMAC, so the one-click
/// endpoint needs no login and no lookup, and a guessed link is refused.
/// </summary>
public static class UnsubscribeToken
{
    private const int MacBytes = 16;

    public static string Create(ReadOnlySpan<byte> secret, string contactId, string enrollmentId)
    {
        var payload = Encoding.UTF8.GetBytes($"{contactId}\n{enrollmentId}");
        var mac = HMACSHA256.HashData(secret, payload).AsSpan(0, MacBytes);
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(mac)}";
    }

    public static bool TryRead(ReadOnlySpan<byte> secret, string? token, out string contactId, out string enrollmentId)
    {
        contactId = "";
        enrollmentId = "";
        if (string.IsNullOrEmpty(token) || token.Length > 1024)
        {
            return false;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }

        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(secret, payload).AsSpan(0, MacBytes);
        if (mac.Length != MacBytes || !CryptographicOperations.FixedTimeEquals(expected, mac))
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(payload).Split('\n');
        if (parts.Length != 2)
        {
            return false;
        }

        contactId = parts[0];
        enrollmentId = parts[1];
        return true;
    }
}
