using System.Text;

namespace Sequences.Faults;

/// <summary>One figure of a run; with a target, whether it was met.</summary>
public sealed record Figure(string Run, string Name, string Value, string? Target = null, bool? Met = null);

/// <summary>Everything a fault-injection run measured.</summary>
public sealed class FaultReport
{
    private readonly List<Figure> _figures = [];

    public IReadOnlyList<Figure> Figures => _figures;

    /// <summary>Figures whose target was missed.</summary>
    public IReadOnlyList<Figure> Missed => [.. _figures.Where(f => f.Met == false)];

    public void Add(string run, string name, object value) => _figures.Add(new Figure(run, name, Format(value)));

    /// <summary>A figure with a target: met when <paramref name="value"/> equals <paramref name="target"/>.</summary>
    public void Expect(string run, string name, int value, int target) =>
        _figures.Add(new Figure(run, name, Format(value), Format(target), value == target));

    public void Expect(string run, string name, string value, string target, bool met) =>
        _figures.Add(new Figure(run, name, value, target, met));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture),
        TimeSpan t => $"{t.TotalSeconds:0} s",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>A Markdown table: run, figure, value, target, met.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("| run | figure | value | target | |\n|---|---|---|---|---|\n");
        foreach (var f in _figures)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"| {f.Run} | {f.Name} | {f.Value} | {f.Target ?? ""} | {f.Met switch { true => "met", false => "**missed**", null => "" }} |\n");
        }

        return text.ToString();
    }
}
