namespace Sequences.Faults;

/// <summary>
/// kill -9 of one of several app processes sharing one storage account, again and again, while
/// enrollments of 3 emails run: every email once (or recorded in doubt), every enrollment finished.
/// </summary>
internal static class CrashRun
{
    public static async Task RunAsync(Lab lab, FaultOptions o, FaultReport report, Action<string> log, CancellationToken ct)
    {
        await using var apps = await Deployment.StartAsync(lab, "crash", o.Processes, lab.Settings("crash", "smtp"), ct);
        var sequence = await Runs.SetUpAsync(apps.Api, "Crash", [TimeSpan.Zero, o.StepDelay, o.StepDelay], ct);
        var started = DateTimeOffset.UtcNow;
        var killer = KillAsync(apps, o, log, ct);
        var ids = await Runs.EnrollAllAsync(apps.Api, sequence, "k", o.Enrollments, ct);
        log($"   {ids.Count} enrolled in {(DateTimeOffset.UtcNow - started).TotalSeconds:0} s");
        var kills = await killer;
        await Runs.WaitEndedAsync(apps.Api, sequence, o.Deadline, log, ct);
        var elapsed = DateTimeOffset.UtcNow - started;

        var audit = AuditResult.Of(await apps.Api.EnrollmentsAsync(ids, ct), 3, Received.FromFolder(lab.Sink.MailDirectory));
        report.Add("crash", "processes / kill -9", $"{o.Processes} / {kills}");
        Runs.Report(report, "crash", audit, log);
        report.Add("crash", "email steps per second, enroll to last finished", Math.Round(audit.Steps / elapsed.TotalSeconds, 1));
        report.Add("crash", "fail/crit log lines", Runs.FailureLines(Path.Combine(lab.Work, "crash")));
    }

    /// <summary>Kills the processes in turn, each restarted after a short time down; the number of kills.</summary>
    private static async Task<int> KillAsync(Deployment apps, FaultOptions o, Action<string> log, CancellationToken ct)
    {
        for (var k = 0; k < o.Kills; k++)
        {
            await Task.Delay(o.KillEvery, ct);
            await apps.KillAsync(k % apps.Count, o.DownFor, ct);
            log($"   kill -9 #{k + 1} (process {k % apps.Count}), restarted");
        }

        return o.Kills;
    }
}
