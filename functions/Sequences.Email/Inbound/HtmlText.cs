using System.Text;
using MimeKit.Text;

namespace Sequences.Email.Inbound;

/// <summary>
/// Plain text of an HTML body, for classifying mails that come without a text part. Only the words
/// and the line structure matter here, not the layout: block elements end lines, scripts, styles and
/// the head are dropped, and a blockquote's lines are prefixed with "&gt; " so the classifier treats
/// them as the quoted original they are.
/// </summary>
internal static class HtmlText
{
    public static string ToText(string html, int maxLength)
    {
        var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = true };
        var text = new StringBuilder();
        var hidden = 0;
        var quoteDepth = 0;
        var lineStart = true;
        var space = false;
        while (text.Length < maxLength && tokenizer.ReadNextToken(out var token))
        {
            if (token is HtmlTagToken tag)
            {
                if (tag.Id is HtmlTagId.Script or HtmlTagId.Style or HtmlTagId.Head or HtmlTagId.Title)
                {
                    hidden = Math.Max(0, hidden + (tag.IsEndTag ? -1 : tag.IsEmptyElement ? 0 : 1));
                }
                else if (tag.Id == HtmlTagId.BlockQuote)
                {
                    quoteDepth = Math.Max(0, quoteDepth + (tag.IsEndTag ? -1 : 1));
                    NewLine(text, ref lineStart);
                }
                else if (EndsLine(tag.Id))
                {
                    NewLine(text, ref lineStart);
                }
            }
            else if (token.Kind == HtmlTokenKind.Data && hidden == 0 && token is HtmlDataToken data)
            {
                // Whitespace at a token's edge separates words across tags ("a <b>b</b>"); inside, runs collapse.
                var words = data.Data.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                space |= data.Data.Length > 0 && char.IsWhiteSpace(data.Data[0]);
                foreach (var word in words)
                {
                    if (lineStart)
                    {
                        text.Append(string.Concat(Enumerable.Repeat("> ", quoteDepth)));
                        lineStart = false;
                    }
                    else if (space)
                    {
                        text.Append(' ');
                    }

                    text.Append(word);
                    space = true;
                }

                space = words.Length == 0 ? space : char.IsWhiteSpace(data.Data[^1]);
            }
        }

        return text.Length > maxLength ? text.ToString(0, maxLength) : text.ToString().Trim();
    }

    private static void NewLine(StringBuilder text, ref bool lineStart)
    {
        // At most one blank line however deeply the blocks nest.
        if (text.Length > 0 && !(text.Length >= 2 && text[^1] == '\n' && text[^2] == '\n'))
        {
            text.Append('\n');
        }

        lineStart = true;
    }

    private static bool EndsLine(HtmlTagId id) => id is HtmlTagId.Br or HtmlTagId.P or HtmlTagId.Div or HtmlTagId.LI or HtmlTagId.TR
        or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3 or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6 or HtmlTagId.Table
        or HtmlTagId.UL or HtmlTagId.OL or HtmlTagId.HR or HtmlTagId.Pre;
}
