using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using Sequences.Core.Errors;

namespace Sequences.Core.Rendering;

/// <summary>
/// Liquid templates (Fluid) for subjects, bodies and task titles. A template is checked when it is
/// saved (<see cref="Problems"/>: syntax, unknown filters, partials) and bounded when it runs
/// (<see cref="TemplateLimits"/>). Parsed templates are cached by their source text: sequences are
/// few, sends are many.
/// </summary>
public static class TemplateEngine
{
    private static readonly FluidParser Parser = new();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Cache = new(StringComparer.Ordinal);
    private const int MaxCached = 4096;

    private static readonly TemplateOptions Options = CreateOptions();

    /// <summary>What is wrong with <paramref name="source"/>, each naming its line; empty when it can be saved.</summary>
    public static IReadOnlyList<string> Problems(string? source)
    {
        if (string.IsNullOrEmpty(source))
        {
            return [];
        }

        if (!Parser.TryParse(source, out var template, out var error))
        {
            return [SyntaxProblem(source, error)];
        }

        var checker = new ProblemFinder(source);
        checker.VisitTemplate(template);
        return checker.Problems;
    }

    /// <summary>
    /// Renders with values HTML-encoded (<paramref name="html"/>) or verbatim, into at most
    /// <paramref name="maxLength"/> characters. Throws <see cref="TemplateException"/> when the
    /// template cannot be rendered or hits a bound.
    /// </summary>
    public static string Render(string? source, TokenModel model, bool html, int maxLength = TemplateLimits.MaxOutputLength)
    {
        if (string.IsNullOrEmpty(source))
        {
            return "";
        }

        var template = Bounded(source);
        var budget = RenderBudget.Start();
        var context = new TemplateContext(Options);
        budget.Attach(context);
        model.Populate(context);
        TextEncoder encoder = html ? HtmlEncoder.Default : NullEncoder.Default;
        using var writer = new BoundedWriter(budget, maxLength);
        try
        {
            // The model is plain dictionaries and strings: rendering never does I/O, so it completes synchronously.
            template.RenderAsync(writer, context, encoder).AsTask().GetAwaiter().GetResult();
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("maximum", StringComparison.OrdinalIgnoreCase))
        {
            // Fluid's step counter (loop iterations, statements) and its nesting depth.
            throw TemplateException.Limit($"more than {TemplateLimits.MaxSteps:N0} loop iterations and statements, or deeper nesting than {Options.MaxRecursion}");
        }
        catch (Exception e) when (e is InvalidOperationException or FluidException or FormatException or OverflowException or ArgumentException or InvalidCastException)
        {
            throw new TemplateException(ErrorCodes.TemplateRenderFailed, $"The template could not be rendered: {e.Message}");
        }

        return writer.ToString();
    }

    /// <summary>
    /// The token paths a template reads (<c>contact.firstName</c>, <c>sender.name</c>,
    /// <c>meetingLink</c>), except where a <c>default</c> filter supplies a fallback.
    /// </summary>
    public static IReadOnlyCollection<string> ReferencedTokens(string? source)
    {
        if (string.IsNullOrEmpty(source) || !Parser.TryParse(source, out var template, out _))
        {
            return [];
        }

        var visitor = new TokenCollector();
        visitor.VisitTemplate(template);
        return visitor.Paths;
    }

    /// <summary>The parsed template with every range bounded (cached).</summary>
    private static IFluidTemplate Bounded(string source)
    {
        if (Cache.TryGetValue(source, out var cached))
        {
            return cached;
        }

        if (!Parser.TryParse(source, out var parsed, out var error))
        {
            throw new TemplateException(ErrorCodes.TemplateRenderFailed, SyntaxProblem(source, error));
        }

        var finder = new ProblemFinder(source);
        finder.VisitTemplate(parsed);
        if (finder.Problems.Count > 0)
        {
            // Saved before templates were checked (or by a path that skipped the check): refuse to run it.
            throw new TemplateException(ErrorCodes.TemplateRenderFailed, finder.Problems[0]);
        }

        if (Cache.Count >= MaxCached)
        {
            Cache.Clear();
        }

        return Cache[source] = new BoundingRewriter().VisitTemplate(parsed);
    }

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            MaxSteps = TemplateLimits.MaxSteps,
            MaxRecursion = 20,
            CultureInfo = System.Globalization.CultureInfo.InvariantCulture,
            StrictFilters = true,
        };
        options.MemberAccessStrategy.IgnoreCasing = false;
        BoundedFilters.Install(options.Filters);
        options.Assigned = (_, value, context) => new ValueTask<FluidValue>(RenderBudget.Of(context).Bounded(value));
        options.Captured = (_, value, context) => new ValueTask<FluidValue>(RenderBudget.Of(context).Bounded(value));
        return options;
    }

    /// <summary>Fluid reports "… at (line:column)": say it as the line, in words a rep reads.</summary>
    private static string SyntaxProblem(string source, string error)
    {
        var at = System.Text.RegularExpressions.Regex.Match(error, @"\((\d+):(\d+)\)");
        var message = at.Success ? error[..at.Index].TrimEnd(' ', ',', '.').Replace(" at", "", StringComparison.Ordinal) : error;
        var line = at.Success ? int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
        return $"Line {Math.Min(line, LineCount(source))}: Liquid syntax error: {message}.";
    }

    private static int LineCount(string source) => source.Count(c => c == '\n') + 1;

    /// <summary>Unknown filters and partials (<c>include</c>, <c>render</c>: there are none), each with the line it is on.</summary>
    private sealed class ProblemFinder(string source) : AstVisitor
    {
        private readonly List<string> _problems = [];

        public IReadOnlyList<string> Problems => _problems;

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            if (!Options.Filters.TryGetValue(filterExpression.Name, out _))
            {
                var line = LineOf($@"\|\s*{System.Text.RegularExpressions.Regex.Escape(filterExpression.Name)}\b");
                _problems.Add($"Line {line}: unknown filter '{filterExpression.Name}'.");
            }

            return base.VisitFilterExpression(filterExpression);
        }

        protected override Statement VisitIncludeStatement(IncludeStatement includeStatement) => Partial("include");

        protected override Statement VisitRenderStatement(RenderStatement renderStatement) => Partial("render");

        private Statement Partial(string tag)
        {
            _problems.Add($"Line {LineOf($@"{{%-?\s*{tag}\b")}: '{tag}' is not supported: there are no partials.");
            return new TextSpanStatement("");
        }

        private int LineOf(string pattern)
        {
            var match = System.Text.RegularExpressions.Regex.Match(source, pattern);
            return match.Success ? source.AsSpan(0, match.Index).Count('\n') + 1 : 1;
        }
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
