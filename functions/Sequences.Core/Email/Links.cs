using System.Net;
using System.Text.RegularExpressions;

namespace Sequences.Core.Email;

/// <summary>
/// The link schemes an email may carry: http, https, mailto and tel (and cid for inline images).
/// A token value such as <c>javascript:…</c> or <c>data:…</c> rendered into an <c>href</c> makes
/// the step fail instead of reaching the contact.
/// </summary>
public static partial class Links
{
    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto", "tel", "cid" };

    /// <summary>The first link-like attribute value in <paramref name="html"/> whose scheme is not allowed, or null.</summary>
    public static string? FirstUnsafe(string html)
    {
        foreach (Match m in LinkAttribute().Matches(html))
        {
            var value = WebUtility.HtmlDecode(m.Groups["v"].Value);

            // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
            var compact = string.Concat(value.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)));
            var colon = compact.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || compact.AsSpan(0, colon).IndexOfAny('/', '?', '#') >= 0)
            {
                continue; // relative: no scheme
            }

            if (!Allowed.Contains(compact[..colon]))
            {
                return value;
            }
        }

        return null;
    }

    [GeneratedRegex(@"\b(?:href|src|action|formaction|xlink:href|background|poster)\s*=\s*(?:""(?<v>[^""]*)""|'(?<v>[^']*)'|(?<v>[^\s""'>]+))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LinkAttribute();
}
