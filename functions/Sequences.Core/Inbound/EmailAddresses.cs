namespace Sequences.Core.Inbound;

/// <summary>
/// Address normalisation for matching replies to contacts: case, plus-addressing
/// (<c>ann+sales@x</c> is <c>ann@x</c>), and Gmail's ignored dots and googlemail.com alias.
/// </summary>
public static class EmailAddresses
{
    private static readonly HashSet<string> GmailDomains = new(StringComparer.Ordinal) { "gmail.com", "googlemail.com" };

    /// <summary>Personal mailbox providers: a shared domain there says nothing about a shared company.</summary>
    private static readonly HashSet<string> FreeMail = new(StringComparer.Ordinal)
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.de", "hotmail.fr", "live.com", "live.de",
        "live.fr", "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "ymail.com", "rocketmail.com", "icloud.com", "me.com",
        "mac.com", "aol.com", "gmx.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de", "t-online.de", "freenet.de", "proton.me",
        "protonmail.com", "pm.me", "zoho.com", "mail.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com",
        "orange.fr", "free.fr", "laposte.net", "libero.it", "tiscali.it", "fastmail.com", "hey.com", "tutanota.com", "seznam.cz",
    };

    /// <summary>The canonical form used to compare addresses (and to index contacts by address).</summary>
    public static string Normalize(string address)
    {
        var a = address.Trim().Trim('<', '>').ToLowerInvariant();
        var at = a.LastIndexOf('@');
        if (at <= 0)
        {
            return a;
        }

        var local = a[..at];
        var domain = a[(at + 1)..];
        var plus = local.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0)
        {
            local = local[..plus];
        }

        if (GmailDomains.Contains(domain))
        {
            local = local.Replace(".", "", StringComparison.Ordinal);
            domain = "gmail.com";
        }

        return $"{local}@{domain}";
    }

    public static bool SameMailbox(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    /// <summary>The domain of an address, lower-case (empty when there is none).</summary>
    public static string Domain(string address)
    {
        var a = address.Trim().Trim('<', '>');
        var at = a.LastIndexOf('@');
        return at < 0 ? "" : a[(at + 1)..].ToLowerInvariant();
    }

    public static bool IsFreeMail(string domain) => FreeMail.Contains(domain.ToLowerInvariant());

    /// <summary>The company domain of an address, or null for free-mail and malformed addresses.</summary>
    public static string? CompanyDomain(string address)
    {
        var d = Domain(address);
        return d.Length == 0 || IsFreeMail(d) ? null : d;
    }
}
