using Sequences.Core.Model;

namespace Sequences.Core.Scheduling;

/// <summary>
/// Computes when a step is due, in the enrollment's time zone. Pure: no clock of its own.
/// </summary>
public static class StepClock
{
    /// <summary>
    /// Adds <paramref name="delay"/> to <paramref name="from"/>: whole days as calendar days at the
    /// same local wall-clock time (so "P1D" at 09:00 stays 09:00 across a DST change), then the time
    /// part as elapsed time.
    /// </summary>
    public static DateTimeOffset AddDelay(DateTimeOffset from, StepDelay delay, TimeZoneInfo zone)
    {
        var result = from;
        if (delay.Days != 0)
        {
            var local = TimeZoneInfo.ConvertTime(from, zone).DateTime;
            result = FromLocal(local.AddDays(delay.Days), zone);
        }

        return result + delay.Time;
    }

    /// <summary>
    /// Moves a due time to when the sequence's settings allow the step to run: into the send window
    /// and, for follow-up steps, off weekends (to Monday at the same local time). The first step is
    /// never moved off a weekend, as in HubSpot.
    /// </summary>
    public static DateTimeOffset Adjust(DateTimeOffset due, TimeZoneInfo zone, SequenceSettings settings, bool isFirstStep)
    {
        var result = due;
        // Two rounds settle every case: the window can push onto a weekend, the weekend shift into
        // a time outside no window (it keeps the local time, which the window already accepted).
        for (var round = 0; round < 3; round++)
        {
            var before = result;
            if (settings.SendWindow is { } window)
            {
                result = IntoWindow(result, zone, window);
            }

            if (settings.BusinessDaysOnly && !isFirstStep)
            {
                result = OffWeekend(result, zone);
            }

            if (result == before)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>The due time of a step whose delay starts at <paramref name="from"/>.</summary>
    public static DateTimeOffset DueAt(DateTimeOffset from, StepDelay delay, TimeZoneInfo zone, SequenceSettings settings, bool isFirstStep) =>
        Adjust(AddDelay(from, delay, zone), zone, settings, isFirstStep);

    private static DateTimeOffset OffWeekend(DateTimeOffset due, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(due, zone).DateTime;
        var days = local.DayOfWeek switch
        {
            DayOfWeek.Saturday => 2,
            DayOfWeek.Sunday => 1,
            _ => 0,
        };
        return days == 0 ? due : FromLocal(local.AddDays(days), zone);
    }

    private static DateTimeOffset IntoWindow(DateTimeOffset due, TimeZoneInfo zone, SendWindow window)
    {
        var local = TimeZoneInfo.ConvertTime(due, zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (IsInside(time, window))
        {
            return due;
        }

        var date = DateOnly.FromDateTime(local);
        var opening = date.ToDateTime(window.Start);
        // Before today's opening (for a window that does not wrap midnight): open today; otherwise tomorrow.
        if (window.Start < window.End && time < window.Start)
        {
            return FromLocal(opening, zone);
        }

        if (window.Start > window.End && time < window.Start && time >= window.End)
        {
            return FromLocal(opening, zone);
        }

        return FromLocal(opening.AddDays(1), zone);
    }

    private static bool IsInside(TimeOnly time, SendWindow window) =>
        window.Start <= window.End
            ? time >= window.Start && time < window.End
            : time >= window.Start || time < window.End;

    /// <summary>
    /// Resolves a local wall-clock time to an instant. A time inside a spring-forward gap moves
    /// forward by the gap (02:30 becomes 03:30); an ambiguous fall-back time takes its first
    /// occurrence (the daylight one).
    /// </summary>
    public static DateTimeOffset FromLocal(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            var before = zone.GetUtcOffset(local.AddHours(-3));
            var after = zone.GetUtcOffset(local.AddHours(3));
            var gap = after - before;
            return new DateTimeOffset(local + gap, after);
        }

        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            var daylight = offsets.Max();
            return new DateTimeOffset(local, daylight);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
