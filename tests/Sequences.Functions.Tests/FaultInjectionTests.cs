using Sequences.Faults;
using Xunit.Abstractions;

namespace Sequences.Functions.Tests;

/// <summary>
/// The fault-injection suite in its short form, against the app as users run it (child processes
/// sharing an Azurite that outlives them, a real SMTP sink): each run's targets — no duplicate,
/// nothing lost, every enrollment finished, no email after an unenroll, no forgery accepted — are met.
/// One class: the runs go one after another, alongside the other test classes. The full run is
/// <c>dotnet run -c Release --project tests/Sequences.Faults</c> (README "Faults").
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    [Fact]
    public Task Kill_9_of_one_of_three_processes_loses_nothing_and_sends_nothing_twice() => RunAsync("crash");

    [Fact]
    public Task A_peer_slower_than_the_step_lease_does_not_get_a_step_from_a_second_worker() => RunAsync("slow-smtp");

    [Fact]
    public Task Storage_stopped_and_then_answering_503_loses_nothing_and_sends_nothing_twice() => RunAsync("storage");

    [MountFact]
    public Task A_full_pickup_disk_delays_steps_without_losing_one() => RunAsync("disk-full");

    [Fact]
    public Task No_email_arrives_after_an_unenroll_or_reply_that_raced_a_due_step_was_recorded() => RunAsync("races");

    [Fact]
    public Task Forged_webhooks_unsubscribe_links_and_keyless_posts_are_refused() => RunAsync("forged");

    /// <summary>Needs a small tmpfs to fill (mount: root with CAP_SYS_ADMIN); skipped, visibly, without it.</summary>
    private sealed class MountFactAttribute : FactAttribute
    {
        private static readonly Lazy<string?> WhyNot = new(DiskFullRun.WhyNotMountable);

        public MountFactAttribute()
        {
            if (WhyNot.Value is { } why)
            {
                Skip = $"The disk-full run {why}.";
            }
        }
    }

    private async Task RunAsync(string run)
    {
        var options = FaultOptions.Short with { Only = new HashSet<string>([run], StringComparer.Ordinal) };
        var report = await FaultSuite.RunAsync(options, output.WriteLine, CancellationToken.None);
        output.WriteLine(report.ToString());
        Assert.True(report.Missed.Count == 0, "Missed: " + string.Join("; ", report.Missed.Select(f => $"{f.Name} = {f.Value} (target {f.Target})")));
        Assert.Contains(report.Figures, f => f.Met == true);
    }
}
