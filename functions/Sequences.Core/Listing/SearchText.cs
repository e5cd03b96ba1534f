using System.Globalization;
using System.Text;
using Sequences.Core.Model;

namespace Sequences.Core.Listing;

/// <summary>
/// Contact search: prefix match on names, email and company, ignoring case and accents, composed
/// and decomposed forms alike (Müller = MÜLLER = Mu&#x308;ller = muller). Pure.
/// </summary>
public static class SearchText
{
    /// <summary>Terms longer than this are cut (a key of the index holds the term).</summary>
    public const int MaxTermLength = 100;

    /// <summary>Lower case, accents removed, anything but letters, digits and <c>@ . _ + -</c> a single space.</summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var ch in text.Normalize(NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(ch);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (char.IsLetterOrDigit(ch) || ch is '@' or '.' or '_' or '+' or '-')
            {
                if (space && builder.Length > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(char.ToLowerInvariant(ch));
                space = false;
            }
            else
            {
                space = true;
            }

            if (builder.Length >= MaxTermLength)
            {
                break;
            }
        }

        return builder.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>The terms a contact is found by: full name, each name, email, company and each of its words.</summary>
    public static IReadOnlySet<string> Terms(Contact contact)
    {
        var terms = new SortedSet<string>(StringComparer.Ordinal);
        void Add(string? text)
        {
            var term = Normalize(text);
            if (term.Length > 0)
            {
                terms.Add(term);
            }
        }

        Add(contact.FullName);
        Add(contact.FirstName);
        Add(contact.LastName);
        Add(contact.Email);
        Add(contact.Company);
        foreach (var word in Normalize(contact.Company).Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            Add(word);
        }

        return terms;
    }

    /// <summary>Whether the contact is found by <paramref name="normalizedPrefix"/> (already <see cref="Normalize"/>d).</summary>
    public static bool Matches(Contact contact, string normalizedPrefix) =>
        Terms(contact).Any(t => t.StartsWith(normalizedPrefix, StringComparison.Ordinal));
}
