using System.Text;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using Sequences.Core.Errors;

namespace Sequences.Core.Rendering;

/// <summary>
/// What one render may use. A template is written by a rep and run for every contact, so a
/// mistake (or worse) must fail that step quickly instead of taking the host's CPU and memory.
/// </summary>
public static class TemplateLimits
{
    /// <summary>Loop iterations, assignments and other statements (Fluid's step counter).</summary>
    public const int MaxSteps = 10_000;

    /// <summary>Items in a range (<c>(1..n)</c>) or in any array a filter builds.</summary>
    public const int MaxItems = 10_000;

    /// <summary>Characters in any string a filter, <c>assign</c> or <c>capture</c> builds.</summary>
    public const int MaxStringLength = 100_000;

    /// <summary>Characters of output (a subject, a body, a task title).</summary>
    public const int MaxOutputLength = 500_000;

    /// <summary>Characters of a rendered subject or task title (a line, not a page).</summary>
    public const int MaxLineLength = 2_000;

    /// <summary>Wall time of one render.</summary>
    public static readonly TimeSpan MaxRenderTime = TimeSpan.FromSeconds(2);
}

/// <summary>A template failed when rendered: <see cref="Code"/> says whether a bound was hit.</summary>
public sealed class TemplateException : Exception
{
    public TemplateException(string code, string message) : base(message) => Code = code;

    public TemplateException() : this(ErrorCodes.TemplateRenderFailed, "The template could not be rendered.") { }

    public TemplateException(string message) : this(ErrorCodes.TemplateRenderFailed, message) { }

    public TemplateException(string message, Exception inner) : base(message, inner) => Code = ErrorCodes.TemplateRenderFailed;

    public string Code { get; }

    internal static TemplateException Limit(string what) =>
        new(ErrorCodes.TemplateLimitExceeded, $"The template exceeded a rendering limit: {what}.");
}

/// <summary>The per-render budget: a deadline, checked wherever rendering does work.</summary>
internal sealed class RenderBudget(long deadlineTicks)
{
    public static RenderBudget Start() =>
        new(Environment.TickCount64 + (long)TemplateLimits.MaxRenderTime.TotalMilliseconds);

    public void Check()
    {
        if (Environment.TickCount64 > deadlineTicks)
        {
            throw TemplateException.Limit($"rendering took longer than {TemplateLimits.MaxRenderTime.TotalSeconds:0} s");
        }
    }

    public static RenderBudget Of(TemplateContext context) =>
        context.AmbientValues.TryGetValue(nameof(RenderBudget), out var b) && b is RenderBudget budget
            ? budget
            : throw new InvalidOperationException("Templates render through TemplateEngine.Render.");

    public void Attach(TemplateContext context) => context.AmbientValues[nameof(RenderBudget)] = this;

    /// <summary>Refuses a value larger than any render may build.</summary>
    public FluidValue Bounded(FluidValue value)
    {
        Check();
        switch (value)
        {
            case StringValue s when s.ToStringValue().Length > TemplateLimits.MaxStringLength:
                throw TemplateException.Limit($"a text value is longer than {TemplateLimits.MaxStringLength:N0} characters");
            case ArrayValue a when a.Values.Count > TemplateLimits.MaxItems:
                throw TemplateException.Limit($"a list has more than {TemplateLimits.MaxItems:N0} items");
            default:
                return value;
        }
    }
}

/// <summary>Rewrites a parsed template so every range is bounded before it is built.</summary>
internal sealed class BoundingRewriter : AstRewriter
{
    protected override Expression VisitRangeExpression(RangeExpression rangeExpression) =>
        new BoundedRangeExpression(Visit(rangeExpression.From), Visit(rangeExpression.To));

    private sealed class BoundedRangeExpression(Expression from, Expression to) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var start = (long)(await from.EvaluateAsync(context)).ToNumberValue();
            var end = (long)(await to.EvaluateAsync(context)).ToNumberValue();
            var count = end < start ? 0 : end - start + 1;
            if (count > TemplateLimits.MaxItems)
            {
                throw TemplateException.Limit($"the range ({start}..{end}) has more than {TemplateLimits.MaxItems:N0} items");
            }

            var items = new FluidValue[count];
            for (var i = 0; i < count; i++)
            {
                items[i] = NumberValue.Create(start + i);
            }

            return new ArrayValue(items);
        }
    }
}

/// <summary>Wraps every filter: no filter may build a value larger than the bounds, nor run past the deadline.</summary>
internal static class BoundedFilters
{
    public static void Install(FilterCollection filters)
    {
        foreach (var (name, filter) in filters.ToList())
        {
            filters.AddFilter(name, Wrap(name, filter));
        }
    }

    private static FilterDelegate Wrap(string name, FilterDelegate filter) => async (input, arguments, context) =>
    {
        var budget = RenderBudget.Of(context);
        budget.Check();
        if (EstimatedLength(name, input, arguments, context) > TemplateLimits.MaxStringLength)
        {
            throw TemplateException.Limit($"'{name}' would build a text longer than {TemplateLimits.MaxStringLength:N0} characters");
        }

        return budget.Bounded(await filter(input, arguments, context));
    };

    /// <summary>
    /// The filters whose result can be far larger than their input and arguments (every other
    /// filter's result is at most a small multiple of them, and is checked once built).
    /// </summary>
    private static long EstimatedLength(string name, FluidValue input, FilterArguments arguments, TemplateContext context)
    {
        switch (name)
        {
            case "join":
                var items = input.Enumerate(context).ToList();
                var separator = arguments.At(0).ToStringValue()?.Length ?? 1;
                return items.Sum(i => (long)(i.ToStringValue()?.Length ?? 0)) + ((long)separator * items.Count);
            case "replace":
                var text = input.ToStringValue() ?? "";
                var search = arguments.At(0).ToStringValue() ?? "";
                var replacement = arguments.At(1).ToStringValue() ?? "";
                var occurrences = search.Length == 0 ? text.Length + 1 : Occurrences(text, search);
                return text.Length + ((long)occurrences * replacement.Length);
            default:
                return 0;
        }
    }

    private static long Occurrences(string text, string search)
    {
        long n = 0;
        for (var i = text.IndexOf(search, StringComparison.Ordinal); i >= 0; i = text.IndexOf(search, i + search.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}

/// <summary>Collects output up to a length, checking the deadline as it goes.</summary>
internal sealed class BoundedWriter(RenderBudget budget, int maxLength) : TextWriter
{
    private readonly StringBuilder _output = new();

    public override Encoding Encoding => Encoding.Unicode;

    public override void Write(char value) => Append(1).Append(value);

    public override void Write(string? value) => Append(value?.Length ?? 0).Append(value);

    public override void Write(char[] buffer, int index, int count) => Append(count).Append(buffer, index, count);

    public override void Write(ReadOnlySpan<char> buffer) => Append(buffer.Length).Append(buffer);

    public override Task WriteAsync(char value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(char[] buffer, int index, int count)
    {
        Write(buffer, index, count);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return Task.CompletedTask;
    }

    public override Task FlushAsync() => Task.CompletedTask;

    public override string ToString() => _output.ToString();

    private StringBuilder Append(int length)
    {
        budget.Check();
        if ((long)_output.Length + length > maxLength)
        {
            throw TemplateException.Limit(FormattableString.Invariant($"the output is longer than {maxLength:N0} characters"));
        }

        return _output;
    }
}
