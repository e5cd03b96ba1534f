using System.Globalization;

namespace Sequences.Core.Email;

/// <summary>
/// Message-IDs the engine assigns. They are derived from enrollment and step, so a resend carries
/// the same Message-ID (receivers such as Gmail drop exact duplicates), and a reply's
/// In-Reply-To/References lead back to the enrollment without a lookup table.
/// </summary>
public static class MessageIds
{
    public static string For(string enrollmentId, int step, string domain) =>
        $"<{enrollmentId}.s{step.ToString(CultureInfo.InvariantCulture)}.seq@{domain}>";

    public static string IdempotencyKey(string enrollmentId, int step) =>
        $"{enrollmentId}.s{step.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Reads enrollment and step back from a Message-ID made by <see cref="For"/>.</summary>
    public static bool TryParse(string? messageId, out string enrollmentId, out int step)
    {
        enrollmentId = "";
        step = 0;
        if (string.IsNullOrWhiteSpace(messageId))
        {
            return false;
        }

        var id = messageId.Trim().TrimStart('<').TrimEnd('>');
        var at = id.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        var local = id[..at];
        if (!local.EndsWith(".seq", StringComparison.Ordinal))
        {
            return false;
        }

        local = local[..^4];
        var dot = local.LastIndexOf(".s", StringComparison.Ordinal);
        if (dot <= 0 || !int.TryParse(local.AsSpan(dot + 2), NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
        {
            return false;
        }

        enrollmentId = local[..dot];
        return enrollmentId.Length > 0;
    }
}
