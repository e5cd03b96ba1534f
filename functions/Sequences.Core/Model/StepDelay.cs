using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sequences.Core.Model;

/// <summary>
/// The delay before a step, from an ISO-8601 duration. Days (and weeks) are kept apart from the
/// time part because "P1D" means "the same local time tomorrow" in the contact's zone, which is
/// 23 or 25 hours across a daylight-saving change, while "PT24H" is exactly 24 elapsed hours.
/// Years and months are refused: their length is ambiguous and sequences count in days.
/// </summary>
public readonly partial record struct StepDelay(int Days, TimeSpan Time)
{
    /// <summary>A year; a longer delay is almost certainly a typing error.</summary>
    public const int MaxDays = 366;

    public static StepDelay Zero => default;

    public bool IsZero => Days == 0 && Time == TimeSpan.Zero;

    /// <summary>The delay as elapsed time when days are 24 hours (no time zone involved).</summary>
    public TimeSpan Approximate => TimeSpan.FromDays(Days) + Time;

    public static bool TryParse(string? text, out StepDelay delay, out string error)
    {
        delay = default;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A delay is required, as an ISO-8601 duration such as P3D, PT4H or PT2S.";
            return false;
        }

        var m = Pattern().Match(text.Trim());
        if (!m.Success)
        {
            error = $"'{text}' is not an ISO-8601 duration such as P3D, PT4H, P1DT12H or PT2S.";
            return false;
        }

        if (m.Groups["y"].Success || m.Groups["mo"].Success)
        {
            error = $"'{text}' uses years or months, whose length varies; use days or weeks (P30D, P4W).";
            return false;
        }

        var hasAny = m.Groups["w"].Success || m.Groups["d"].Success || m.Groups["h"].Success
            || m.Groups["mi"].Success || m.Groups["s"].Success;
        if (!hasAny || text.Trim().EndsWith('T'))
        {
            error = $"'{text}' is not an ISO-8601 duration such as P3D, PT4H, P1DT12H or PT2S.";
            return false;
        }

        try
        {
            checked
            {
                long days = Long(m, "w") * 7 + Long(m, "d");
                var seconds = m.Groups["s"].Success
                    ? decimal.Parse(m.Groups["s"].Value.Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)
                    : 0m;
                var time = TimeSpan.FromHours(Long(m, "h")) + TimeSpan.FromMinutes(Long(m, "mi"))
                    + TimeSpan.FromMilliseconds((double)Math.Round(seconds * 1000m));
                if (days + time.TotalDays > MaxDays)
                {
                    error = $"'{text}' is longer than {MaxDays} days.";
                    return false;
                }

                delay = new StepDelay((int)days, time);
                return true;
            }
        }
        catch (Exception e) when (e is OverflowException or FormatException)
        {
            error = $"'{text}' is too large.";
            return false;
        }
    }

    public static StepDelay Parse(string text) =>
        TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    public static StepDelay FromTime(TimeSpan time) => new(0, time);

    /// <summary>The canonical ISO-8601 form (P3D, PT4H, P1DT0.5S).</summary>
    public override string ToString()
    {
        if (IsZero)
        {
            return "PT0S";
        }

        var sb = new StringBuilder("P");
        if (Days != 0)
        {
            sb.Append(Days.ToString(CultureInfo.InvariantCulture)).Append('D');
        }

        if (Time != TimeSpan.Zero)
        {
            sb.Append('T');
            var hours = (long)Time.TotalHours;
            if (hours != 0)
            {
                sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('H');
            }

            if (Time.Minutes != 0)
            {
                sb.Append(Time.Minutes.ToString(CultureInfo.InvariantCulture)).Append('M');
            }

            var seconds = Time.Seconds + Time.Milliseconds / 1000m;
            if (seconds != 0)
            {
                sb.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return sb.ToString();
    }

    private static long Long(Match m, string group) =>
        m.Groups[group].Success ? long.Parse(m.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^P(?:(?<y>\d+)Y)?(?:(?<mo>\d+)M)?(?:(?<w>\d+)W)?(?:(?<d>\d+)D)?(?:T(?:(?<h>\d+)H)?(?:(?<mi>\d+)M)?(?:(?<s>\d+(?:[.,]\d{1,3})?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
