using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sequences.Email.Inbound;

/// <summary>
/// Verifies the signature Mailgun puts on every webhook and route post: HMAC-SHA256 of
/// <c>timestamp + token</c> under the account's webhook signing key, in lower-case hex.
/// </summary>
public static class MailgunSignature
{
    /// <summary>
    /// Whether <paramref name="signature"/> is Mailgun's for <paramref name="timestamp"/> and
    /// <paramref name="token"/>, and the timestamp lies within <paramref name="maxAge"/> of
    /// <paramref name="now"/> either way. The age check stops a captured post from being replayed
    /// later; a replay inside the window is stopped only by remembering tokens (Mailgun's advice),
    /// which the caller can do, or by the idempotent processing of the message itself.
    /// </summary>
    public static bool IsValid(string signingKey, string timestamp, string token, string signature, DateTimeOffset now, TimeSpan maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero);
        if (string.IsNullOrEmpty(signingKey) || string.IsNullOrEmpty(token) || string.IsNullOrEmpty(signature)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > maxAge || age < -maxAge)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(timestamp + token));
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        // Constant time, so response timing does not reveal how much of a forged signature was right.
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
