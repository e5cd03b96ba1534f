using System.Text;

namespace Sequences.Core.Email;

/// <summary>
/// Text that goes into a header (a subject, a display name), made safe after rendering: no line
/// breaks or other control characters (so a token cannot inject a header), no bidirectional
/// overrides or zero-width characters (so a name cannot disguise itself), whitespace collapsed.
/// </summary>
public static class HeaderText
{
    public static string Clean(string text)
    {
        var b = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                // CR, LF, tab, NUL and the rest of C0/C1 become (at most one) space.
                space = b.Length > 0;
                continue;
            }

            if (IsInvisible(c))
            {
                continue;
            }

            if (space)
            {
                b.Append(' ');
                space = false;
            }

            b.Append(c);
        }

        return b.ToString();
    }

    /// <summary>Bidirectional marks, embeddings, overrides and isolates; zero-width spaces and joiners; the BOM.</summary>
    private static bool IsInvisible(char c) =>
        c is '\u061C' or '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F' or '\u2060' or '\uFEFF'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069';

    /// <summary>A display name cleaned, or null when nothing is left.</summary>
    public static string? Name(string? name) => name is null ? null : Clean(name) is { Length: > 0 } clean ? clean : null;
}
