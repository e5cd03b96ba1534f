using Sequences.Core.Model;
using Sequences.Core.Scheduling;

namespace Sequences.Core.Tests;

public class StepClockTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly SequenceSettings Anyday = new(BusinessDaysOnly: false);

    [Fact]
    public void A_day_across_spring_forward_keeps_the_local_time_in_New_York()
    {
        // Saturday 2026-03-07 09:00 EST (-5); DST starts Sunday 2026-03-08.
        var from = new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.FromHours(-5));
        var due = StepClock.AddDelay(from, StepDelay.Parse("P1D"), NewYork);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 9, 0, 0, TimeSpan.FromHours(-4)), due);
        Assert.Equal(TimeSpan.FromHours(23), due - from);
    }

    [Fact]
    public void A_day_across_fall_back_keeps_the_local_time_in_Berlin()
    {
        // Saturday 2026-10-24 09:00 CEST (+2); DST ends Sunday 2026-10-25.
        var from = new DateTimeOffset(2026, 10, 24, 9, 0, 0, TimeSpan.FromHours(2));
        var due = StepClock.AddDelay(from, StepDelay.Parse("P1D"), Berlin);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 9, 0, 0, TimeSpan.FromHours(1)), due);
        Assert.Equal(TimeSpan.FromHours(25), due - from);
    }

    [Fact]
    public void Hours_are_elapsed_time_even_across_a_DST_change()
    {
        var from = new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.FromHours(-5));
        Assert.Equal(from.AddHours(24), StepClock.AddDelay(from, StepDelay.Parse("PT24H"), NewYork));
    }

    [Fact]
    public void A_local_time_in_the_spring_gap_moves_forward_by_the_gap()
    {
        // 02:30 does not exist on 2026-03-08 in New York: it becomes 03:30 EDT.
        var resolved = StepClock.FromLocal(new DateTime(2026, 3, 8, 2, 30, 0), NewYork);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 3, 30, 0, TimeSpan.FromHours(-4)), resolved);
    }

    [Fact]
    public void An_ambiguous_fall_back_time_takes_its_first_occurrence()
    {
        var resolved = StepClock.FromLocal(new DateTime(2026, 11, 1, 1, 30, 0), NewYork);
        Assert.Equal(TimeSpan.FromHours(-4), resolved.Offset);
    }

    [Fact]
    public void A_follow_up_due_on_Saturday_moves_to_Monday_at_the_same_local_time()
    {
        var saturday = new DateTimeOffset(2026, 11, 28, 10, 15, 0, TimeSpan.FromHours(-5));
        var due = StepClock.Adjust(saturday, NewYork, SequenceSettings.Default, isFirstStep: false);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 15, 0, TimeSpan.FromHours(-5)), due);
    }

    [Fact]
    public void The_first_step_is_never_moved_off_a_weekend()
    {
        var sunday = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.FromHours(-5));
        Assert.Equal(sunday, StepClock.Adjust(sunday, NewYork, SequenceSettings.Default, isFirstStep: true));
    }

    [Fact]
    public void Business_days_only_off_leaves_weekends_alone()
    {
        var saturday = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.FromHours(-5));
        Assert.Equal(saturday, StepClock.Adjust(saturday, NewYork, Anyday, isFirstStep: false));
    }

    [Theory]
    [InlineData(7, 30, 9, 0, 0)]   // before the window: today's opening
    [InlineData(9, 0, 9, 0, 0)]    // at the opening: unchanged
    [InlineData(12, 0, 12, 0, 0)]  // inside: unchanged
    [InlineData(17, 0, 9, 0, 1)]   // at the close: tomorrow's opening
    [InlineData(22, 0, 9, 0, 1)]   // after: tomorrow's opening
    public void A_step_outside_the_send_window_moves_to_the_next_opening(int hour, int minute, int expectHour, int expectMinute, int addDays)
    {
        var settings = Anyday with { SendWindow = new SendWindow(new TimeOnly(9, 0), new TimeOnly(17, 0)) };
        var tuesday = new DateTimeOffset(2026, 11, 24, hour, minute, 0, TimeSpan.FromHours(1));
        var due = StepClock.Adjust(tuesday, Berlin, settings, isFirstStep: false);
        Assert.Equal(new DateTimeOffset(2026, 11, 24 + addDays, expectHour, expectMinute, 0, TimeSpan.FromHours(1)), due);
    }

    [Fact]
    public void A_window_pushing_a_step_to_Saturday_then_moves_it_to_Monday()
    {
        var settings = SequenceSettings.Default with { SendWindow = new SendWindow(new TimeOnly(9, 0), new TimeOnly(17, 0)) };
        var fridayEvening = new DateTimeOffset(2026, 11, 27, 18, 0, 0, TimeSpan.FromHours(1));
        var due = StepClock.Adjust(fridayEvening, Berlin, settings, isFirstStep: false);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.FromHours(1)), due);
    }

    [Fact]
    public void A_window_across_midnight_accepts_late_evening_and_early_morning()
    {
        var settings = Anyday with { SendWindow = new SendWindow(new TimeOnly(22, 0), new TimeOnly(6, 0)) };
        var late = new DateTimeOffset(2026, 11, 24, 23, 0, 0, TimeSpan.FromHours(1));
        var early = new DateTimeOffset(2026, 11, 25, 5, 0, 0, TimeSpan.FromHours(1));
        var noon = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(1));
        Assert.Equal(late, StepClock.Adjust(late, Berlin, settings, false));
        Assert.Equal(early, StepClock.Adjust(early, Berlin, settings, false));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 22, 0, 0, TimeSpan.FromHours(1)), StepClock.Adjust(noon, Berlin, settings, false));
    }

    [Fact]
    public void Windows_ids_are_not_accepted_as_time_zones()
    {
        Assert.True(TimeZones.TryFind("America/New_York", out _));
        Assert.True(TimeZones.TryFind("UTC", out _));
        Assert.False(TimeZones.TryFind("Mars/Olympus", out _));
        Assert.False(TimeZones.TryFind("Eastern Standard Time", out _));
    }
}
