using System.Buffers.Text;
using System.Text;
using Sequences.Core.Errors;
using Sequences.Core.Ports;

namespace Sequences.Core.Listing;

/// <summary>
/// <c>limit</c> and the opaque <c>cursor</c> of every list: the cursor is the key the next page starts
/// after, base64url-encoded. Pure.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static Result<PageRequest> Parse(string? limit, string? cursor)
    {
        var size = DefaultLimit;
        if (!string.IsNullOrEmpty(limit)
            && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxLimit))
        {
            return DomainError.Invalid("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        }

        if (string.IsNullOrEmpty(cursor))
        {
            return new PageRequest(size, null);
        }

        return Decode(cursor) is { } after
            ? new PageRequest(size, after)
            : DomainError.Invalid("cursor", "The cursor is not one this API gave out; start again without it.");
    }

    public static string? Encode(string? after) => after is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(after));

    private static string? Decode(string cursor)
    {
        if (cursor.Length > 2048 || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(cursor));
            return text.Length > 0 && !text.Any(char.IsControl) ? text : null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
