using Sequences.Core.Model;

namespace Sequences.Core.Tests;

public class StepDelayTests
{
    [Theory]
    [InlineData("P3D", 3, 0)]
    [InlineData("PT4H", 0, 4 * 3600)]
    [InlineData("PT2S", 0, 2)]
    [InlineData("P1W", 7, 0)]
    [InlineData("P1DT12H", 1, 12 * 3600)]
    [InlineData("PT90M", 0, 90 * 60)]
    [InlineData("PT0S", 0, 0)]
    public void Valid_durations_parse_into_days_and_time(string text, int days, int seconds)
    {
        Assert.True(StepDelay.TryParse(text, out var delay, out var error), error);
        Assert.Equal(days, delay.Days);
        Assert.Equal(TimeSpan.FromSeconds(seconds), delay.Time);
    }

    [Theory]
    [InlineData("3 days", "not an ISO-8601 duration")]
    [InlineData("P", "not an ISO-8601 duration")]
    [InlineData("PT", "not an ISO-8601 duration")]
    [InlineData("P1M", "months")]
    [InlineData("P1Y", "months")]
    [InlineData("-P1D", "not an ISO-8601 duration")]
    [InlineData("P400D", "longer than 366 days")]
    [InlineData("", "required")]
    [InlineData(null, "required")]
    public void Invalid_durations_are_refused_with_a_reason(string? text, string reason)
    {
        Assert.False(StepDelay.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("P3D")]
    [InlineData("PT4H")]
    [InlineData("P1DT2H30M")]
    [InlineData("PT1.5S")]
    public void Canonical_form_round_trips(string text) =>
        Assert.Equal(text, StepDelay.Parse(text).ToString());
}
