using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

public class TelemetryTests
{
    [Fact]
    public async Task Steps_emit_spans_with_enrollment_and_sequence_ids_and_count_emails_and_lateness()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Sequences",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var measurements = new ConcurrentBag<(string Name, double Value)>();
        using var meters = new MeterListener { InstrumentPublished = (i, l) => { if (i.Meter.Name == "Sequences") { l.EnableMeasurementEvents(i); } } };
        meters.SetMeasurementEventCallback<long>((i, v, _, _) => measurements.Add((i.Name, v)));
        meters.SetMeasurementEventCallback<double>((i, v, _, _) => measurements.Add((i.Name, v)));
        meters.Start();

        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Traced", "1")]);
        var enrollment = await app.EnrollAsync(seq);
        await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(30), default);
        await app.WaitForEnrollmentAsync(enrollment, e => e.GetProperty("status").GetString() == "finished", "finish");

        // One span per attempt at a due step: a duplicate run that loses the claim to another is an
        // attempt too, so the span of the send is the one whose outcome is the sent email. The span
        // ends when the activity returns, just after the enrollment is recorded finished: wait for it.
        bool IsSend(Activity s) => s.DisplayName == "step" && (string?)s.GetTagItem("sequences.enrollment_id") == enrollment
            && (string?)s.GetTagItem("sequences.outcome") == "emailSent";
        await Eventually.TrueAsync(() => Task.FromResult(spans.Any(IsSend)), TimeSpan.FromSeconds(10), "the step's span to end");
        Assert.Single(await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(1), default));
        var step = Assert.Single(spans, IsSend);
        Assert.Equal(seq, step.GetTagItem("sequences.sequence_id"));
        Assert.Equal(1, step.GetTagItem("sequences.step"));
        Assert.Contains(measurements, m => m.Name == "sequences.emails.sent" && m.Value == 1);
        Assert.DoesNotContain(spans, s => s.DisplayName == "step" && (string?)s.GetTagItem("sequences.enrollment_id") == enrollment && s.Status == ActivityStatusCode.Error);
        Assert.Contains(measurements, m => m.Name == "sequences.step.lateness" && m.Value >= 0);
        Assert.Contains(measurements, m => m.Name == "sequences.steps.executed");
    }
}
