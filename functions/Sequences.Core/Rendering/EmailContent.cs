using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Sequences.Core.Rendering;

/// <summary>Turns a step body into the HTML and plain-text parts of an email.</summary>
public static partial class EmailContent
{
    /// <summary>
    /// A body with no HTML tags is plain text written in a text box: its line breaks become
    /// &lt;br&gt; and paragraphs in the HTML part. A body with tags is used as HTML as written.
    /// </summary>
    public static string BodyAsHtmlSource(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return "";
        }

        if (LooksLikeHtml(body))
        {
            return body;
        }

        var paragraphs = body.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n");
        var sb = new StringBuilder();
        foreach (var p in paragraphs)
        {
            // The source is a template: encoding its literal text here leaves {{ tokens }} intact,
            // and their values are HTML-encoded at render time.
            sb.Append("<p>").Append(EncodeLiteralText(p).Replace("\n", "<br>\n", StringComparison.Ordinal)).Append("</p>\n");
        }

        return sb.ToString();
    }

    /// <summary>The plain-text part: tags removed, block ends turned into line breaks.</summary>
    public static string HtmlToText(string html)
    {
        var text = BreakTags().Replace(html, "\n");
        text = BlockEndTags().Replace(text, "\n\n");
        text = LinkTags().Replace(text, m => $"{m.Groups["text"].Value} ({m.Groups["href"].Value})");
        text = AnyTag().Replace(text, "");
        text = WebUtility.HtmlDecode(text);
        text = ManyBlankLines().Replace(text, "\n\n");
        return text.Trim() + "\n";
    }

    public static bool LooksLikeHtml(string text) => HtmlTag().IsMatch(text);

    private static string EncodeLiteralText(string text)
    {
        // Encode only outside {{ }} and {% %} so Liquid syntax survives.
        var sb = new StringBuilder();
        var last = 0;
        foreach (Match m in LiquidSyntax().Matches(text))
        {
            sb.Append(WebUtility.HtmlEncode(text[last..m.Index])).Append(m.Value);
            last = m.Index + m.Length;
        }

        sb.Append(WebUtility.HtmlEncode(text[last..]));
        return sb.ToString();
    }

    [GeneratedRegex(@"</?(p|div|br|a|b|i|u|em|strong|span|ul|ol|li|table|tr|td|h[1-6]|img|blockquote|html|body)\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"<br\s*/?>\s*\n?", RegexOptions.IgnoreCase)]
    private static partial Regex BreakTags();

    [GeneratedRegex(@"</(p|div|h[1-6]|li|tr|blockquote)>\s*", RegexOptions.IgnoreCase)]
    private static partial Regex BlockEndTags();

    [GeneratedRegex(@"<a\s[^>]*href=""(?<href>[^""]*)""[^>]*>(?<text>.*?)</a>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex LinkTags();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex ManyBlankLines();

    [GeneratedRegex(@"\{\{.*?\}\}|\{%.*?%\}", RegexOptions.Singleline)]
    private static partial Regex LiquidSyntax();
}
