using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;

namespace Sequences.Core.Rendering;

/// <summary>
/// Liquid templates (Fluid) for subjects, bodies and task titles. Parsed templates are cached by
/// their source text: sequences are few, sends are many.
/// </summary>
public static class TemplateEngine
{
    private static readonly FluidParser Parser = new();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Cache = new(StringComparer.Ordinal);
    private const int MaxCached = 4096;

    private static readonly TemplateOptions Options = CreateOptions();

    public static bool TryParse(string? source, out IFluidTemplate template, out string error)
    {
        source ??= "";
        if (Cache.TryGetValue(source, out var cached))
        {
            template = cached;
            error = "";
            return true;
        }

        if (!Parser.TryParse(source, out template, out error))
        {
            error = $"Liquid syntax error: {error}";
            return false;
        }

        if (Cache.Count >= MaxCached)
        {
            Cache.Clear();
        }

        Cache[source] = template;
        error = "";
        return true;
    }

    public static IFluidTemplate Parse(string? source) =>
        TryParse(source, out var t, out var error) ? t : throw new FormatException(error);

    /// <summary>Renders with values HTML-encoded (<paramref name="html"/>) or verbatim.</summary>
    public static string Render(string? source, TokenModel model, bool html)
    {
        if (string.IsNullOrEmpty(source))
        {
            return "";
        }

        var template = Parse(source);
        var context = new TemplateContext(Options);
        model.Populate(context);
        TextEncoder encoder = html ? HtmlEncoder.Default : NullEncoder.Default;
        // The model is plain dictionaries and strings: rendering never does I/O, so it completes synchronously.
        return template.Render(context, encoder);
    }

    /// <summary>
    /// The token paths a template reads (<c>contact.firstName</c>, <c>sender.name</c>,
    /// <c>meetingLink</c>), except where a <c>default</c> filter supplies a fallback.
    /// </summary>
    public static IReadOnlyCollection<string> ReferencedTokens(string? source)
    {
        if (string.IsNullOrEmpty(source) || !TryParse(source, out var template, out _))
        {
            return [];
        }

        var visitor = new TokenCollector();
        visitor.VisitTemplate(template);
        return visitor.Paths;
    }

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            MaxSteps = 10_000,
            MaxRecursion = 20,
            CultureInfo = System.Globalization.CultureInfo.InvariantCulture,
        };
        options.MemberAccessStrategy.IgnoreCasing = false;
        return options;
    }

    private sealed class TokenCollector : AstVisitor
    {
        private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
        private readonly HashSet<string> _locals = new(StringComparer.Ordinal);

        public IReadOnlyCollection<string> Paths => _paths;

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            _locals.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            _locals.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            // {{ contact.firstName | default: "there" }} has a fallback, so the value is optional.
            if (string.Equals(filterExpression.Name, "default", StringComparison.Ordinal))
            {
                foreach (var p in filterExpression.Parameters)
                {
                    Visit(p.Expression);
                }

                return filterExpression;
            }

            return base.VisitFilterExpression(filterExpression);
        }

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            var names = new List<string>();
            foreach (var segment in memberExpression.Segments)
            {
                if (segment is IdentifierSegment id)
                {
                    names.Add(id.Identifier);
                }
                else if (segment is IndexerSegment { Expression: LiteralExpression lit })
                {
                    names.Add(lit.Value.ToStringValue());
                }
                else
                {
                    break;
                }
            }

            if (names.Count > 0 && !_locals.Contains(names[0]) && names[0] is not ("forloop" or "empty" or "blank"))
            {
                _paths.Add(string.Join('.', names));
            }

            return base.VisitMemberExpression(memberExpression);
        }
    }
}
