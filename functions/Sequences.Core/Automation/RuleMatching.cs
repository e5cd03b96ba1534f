namespace Sequences.Core.Automation;

/// <summary>Whether a rule's trigger matches an event. Pure.</summary>
public static class RuleMatching
{
    public static bool Matches(RuleTrigger trigger, AutomationEvent e) => trigger.Type switch
    {
        RuleTrigger.FormSubmission => e.Type == RuleTrigger.FormSubmission
            && (trigger.FormId is null || string.Equals(trigger.FormId, e.FormId, StringComparison.Ordinal)),
        RuleTrigger.PageView => e.Type == RuleTrigger.PageView && e.Url is { } url && trigger.Url is { } pattern && UrlMatches(pattern, trigger.Match, url),
        _ => false,
    };

    /// <summary>
    /// Page URLs compared with scheme and host case-insensitive, the default port, a trailing slash
    /// and the fragment ignored. <c>equals</c> keeps the query and compares the path exactly;
    /// <c>contains</c> looks for the rule's text (normalised the same way when it is a full URL)
    /// anywhere in the page's URL, ignoring case (as marketers and analytics tools expect).
    /// </summary>
    public static bool UrlMatches(string pattern, string? match, string viewedUrl)
    {
        var viewed = Normalize(viewedUrl);
        if (match == RuleTrigger.MatchContains)
        {
            var needle = Uri.TryCreate(pattern, UriKind.Absolute, out _) ? Normalize(pattern) : pattern.Trim().TrimEnd('/');
            return needle.Length > 0 && viewed.Contains(needle, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(viewed, Normalize(pattern), StringComparison.Ordinal);
    }

    /// <summary>The comparable form of a URL: <c>scheme://host[:port]/path[?query]</c>.</summary>
    public static string Normalize(string url)
    {
        var text = url.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // Not a web address (the caller validated rules; events may be sloppy): compare as given, sans fragment.
            var hash = text.IndexOf('#', StringComparison.Ordinal);
            return (hash >= 0 ? text[..hash] : text).TrimEnd('/');
        }

        var path = uri.AbsolutePath.Length > 1 ? uri.AbsolutePath.TrimEnd('/') : "";
        var port = uri.IsDefaultPort ? "" : $":{uri.Port}";
        return $"{uri.Scheme}://{uri.IdnHost.ToLowerInvariant()}{port}{path}{uri.Query}";
    }

    /// <summary>The user a contact-owner rule sends as: the property's value (a user id or an email).</summary>
    public static string? OwnerReference(RuleSender sender, Model.Contact contact)
    {
        var property = sender.Property ?? RuleSender.DefaultOwnerProperty;
        var value = property == RuleSender.DefaultOwnerProperty
            ? contact.OwnerUserId ?? contact.Properties.GetValueOrDefault(property)
            : contact.Properties.GetValueOrDefault(property);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
