using Sequences.Core.Model;
using Sequences.Core.Scheduling;

namespace Sequences.Core.Decisions;

/// <summary>
/// A sender's automated emails counted per UTC hour: those sent and those planned. Sending limits
/// are checked against it; it is kept in storage next to the user.
/// </summary>
public sealed record SendLedger(IReadOnlyDictionary<DateTimeOffset, int> Planned)
{
    public static SendLedger Empty { get; } = new(new Dictionary<DateTimeOffset, int>());

    public int At(DateTimeOffset hour) => Planned.GetValueOrDefault(hour);

    public SendLedger With(IReadOnlyDictionary<DateTimeOffset, int> deltas)
    {
        if (deltas.Count == 0)
        {
            return this;
        }

        var merged = new Dictionary<DateTimeOffset, int>(Planned);
        foreach (var (hour, delta) in deltas)
        {
            merged[hour] = Math.Max(0, merged.GetValueOrDefault(hour) + delta);
        }

        return new SendLedger(merged);
    }
}

/// <summary>
/// The daily send limit: at most <c>dailySendLimit</c> automated emails in any 24 consecutive
/// hours, counting emails sent and emails planned (scheduled). Counted in whole UTC hours, so the
/// rolling window is exact to the hour. Pure.
/// </summary>
public static class SendLimits
{
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>How far ahead a time with free capacity is searched for.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(30);

    public static DateTimeOffset HourOf(DateTimeOffset t)
    {
        var u = t.UtcDateTime;
        return new DateTimeOffset(u.Year, u.Month, u.Day, u.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>Per-hour deltas that add one email at each of <paramref name="times"/>.</summary>
    public static Dictionary<DateTimeOffset, int> Count(IEnumerable<DateTimeOffset> times, int sign = 1)
    {
        var deltas = new Dictionary<DateTimeOffset, int>();
        foreach (var t in times)
        {
            var h = HourOf(t);
            deltas[h] = deltas.GetValueOrDefault(h) + sign;
        }

        return deltas;
    }

    /// <summary>Sums two sets of deltas, dropping zeros.</summary>
    public static Dictionary<DateTimeOffset, int> Combine(IReadOnlyDictionary<DateTimeOffset, int> a, IReadOnlyDictionary<DateTimeOffset, int> b)
    {
        var sum = new Dictionary<DateTimeOffset, int>(a);
        foreach (var (h, d) in b)
        {
            sum[h] = sum.GetValueOrDefault(h) + d;
        }

        return sum.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>Whether, with <paramref name="added"/> applied, every 24-hour window touching an added hour stays within the limit.</summary>
    public static bool Fits(SendLedger ledger, int limit, IReadOnlyDictionary<DateTimeOffset, int> added)
    {
        var combined = ledger.With(added);
        foreach (var hour in added.Where(kv => kv.Value > 0).Select(kv => kv.Key))
        {
            if (BusiestWindow(combined, hour) > limit)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The most emails in any 24-hour window that contains <paramref name="hour"/>.</summary>
    public static int BusiestWindow(SendLedger ledger, DateTimeOffset hour)
    {
        var busiest = 0;
        for (var start = hour - 23 * Hour; start <= hour; start += Hour)
        {
            var sum = 0;
            for (var i = 0; i < 24; i++)
            {
                sum += ledger.At(start + i * Hour);
            }

            busiest = Math.Max(busiest, sum);
        }

        return busiest;
    }

    /// <summary>
    /// The earliest start at or after <paramref name="from"/> (on the hour, after <paramref name="from"/> itself)
    /// at which emails at <paramref name="offsets"/> from the start fit; null when none within the horizon.
    /// </summary>
    public static DateTimeOffset? EarliestFit(SendLedger ledger, int limit, IReadOnlyList<TimeSpan> offsets, DateTimeOffset from)
    {
        for (var start = from; start < from + Horizon; start = HourOf(start) + Hour)
        {
            var s = start;
            if (Fits(ledger, limit, Count(offsets.Select(o => s + o))))
            {
                return start;
            }
        }

        return null;
    }

    /// <summary>
    /// At send time: the email is counted at its planned hour; may it go now? If not, the earliest
    /// hour it could move to (null: none within the horizon).
    /// </summary>
    public static (bool Ok, DateTimeOffset? Next) CanSendNow(SendLedger ledger, int limit, DateTimeOffset? plannedAt, DateTimeOffset now)
    {
        var without = plannedAt is { } p ? ledger.With(Count([p], -1)) : ledger;
        if (Fits(without, limit, Count([now])))
        {
            return (true, null);
        }

        return (false, EarliestFit(without, limit, [TimeSpan.Zero], HourOf(now) + Hour));
    }

    /// <summary>
    /// When each automated email of a sequence would go, starting at <paramref name="startStep"/>
    /// due at <paramref name="firstDue"/>, if every step ran when due and every task were completed
    /// at once. This is what an enrollment reserves against the sender's limit.
    /// </summary>
    public static Dictionary<int, DateTimeOffset> PlanEmails(
        Sequence sequence, int startStep, DateTimeOffset firstDue, TimeZoneInfo zone, IReadOnlyDictionary<int, StepDelay> delayOverrides, SequenceSettings settings)
    {
        var plan = new Dictionary<int, DateTimeOffset>();
        var at = firstDue;
        for (var n = startStep; n <= sequence.Steps.Count; n++)
        {
            var step = sequence.Steps[n - 1];
            if (n > startStep)
            {
                var delay = delayOverrides.TryGetValue(n, out var d) ? d : step.Delay;
                at = StepClock.DueAt(at, delay, zone, settings, isFirstStep: false);
            }

            if (step.IsAutomatedEmail)
            {
                plan[n] = at;
            }
        }

        return plan;
    }
}
