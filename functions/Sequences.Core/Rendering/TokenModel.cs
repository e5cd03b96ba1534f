using Fluid;
using Sequences.Core.Model;

namespace Sequences.Core.Rendering;

/// <summary>
/// The values personalisation tokens read: <c>contact.*</c> (standard fields, then custom
/// properties, also as <c>contact.properties.*</c>), <c>sender.*</c>, and the enrollment's
/// <c>tokens</c> — both as <c>tokens.name</c> and as a bare <c>name</c>.
/// </summary>
public sealed class TokenModel
{
    private readonly Dictionary<string, object?> _contact;
    private readonly Dictionary<string, object?> _sender;
    private readonly Dictionary<string, object?> _tokens;
    private readonly Dictionary<string, object?> _extra;

    public TokenModel(Contact? contact, User? sender, IReadOnlyDictionary<string, string>? tokens, IReadOnlyDictionary<string, string>? extra = null)
    {
        _contact = new(StringComparer.Ordinal);
        if (contact is not null)
        {
            var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (k, v) in contact.Properties)
            {
                properties[k] = v;
                _contact[k] = v;
            }

            _contact["properties"] = properties;
            _contact["firstName"] = contact.FirstName;
            _contact["lastName"] = contact.LastName;
            _contact["fullName"] = contact.FullName;
            _contact["email"] = contact.Email;
            _contact["company"] = contact.Company;
        }

        _sender = new(StringComparer.Ordinal);
        if (sender is not null)
        {
            _sender["name"] = sender.Name;
            _sender["firstName"] = sender.FirstName;
            _sender["email"] = sender.Email;
        }

        _tokens = new(StringComparer.Ordinal);
        foreach (var (k, v) in tokens ?? new Dictionary<string, string>())
        {
            _tokens[k] = v;
        }

        _extra = new(StringComparer.Ordinal);
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            _extra[k] = v;
        }
    }

    public void Populate(TemplateContext context)
    {
        foreach (var (k, v) in _tokens)
        {
            context.SetValue(k, v);
        }

        foreach (var (k, v) in _extra)
        {
            context.SetValue(k, v);
        }

        context.SetValue("tokens", _tokens);
        context.SetValue("contact", _contact);
        context.SetValue("sender", _sender);
    }

    /// <summary>Whether a token path has a non-empty value.</summary>
    public bool HasValue(string path)
    {
        var parts = path.Split('.');
        object? current = parts[0] switch
        {
            "contact" => _contact,
            "sender" => _sender,
            "tokens" => _tokens,
            _ => _extra.TryGetValue(parts[0], out var x) ? x : _tokens.TryGetValue(parts[0], out var t) ? t : null,
        };

        foreach (var part in parts.Skip(1))
        {
            current = current is Dictionary<string, object?> d && d.TryGetValue(part, out var next) ? next : null;
        }

        return current switch
        {
            null => false,
            string s => !string.IsNullOrWhiteSpace(s),
            _ => true,
        };
    }

    /// <summary>The tokens the templates read that have no value here, in a stable order.</summary>
    public IReadOnlyList<string> MissingTokens(IEnumerable<string?> templates) =>
        templates
            .SelectMany(TemplateEngine.ReferencedTokens)
            .Distinct(StringComparer.Ordinal)
            .Where(p => !HasValue(p))
            .Order(StringComparer.Ordinal)
            .ToList();
}
