namespace Sequences.Faults;

/// <summary>
/// Storage faults while enrollments run: Azurite stopped for <see cref="FaultOptions.Outage"/> and
/// started again on its data, then every storage request answered 503 ServerBusy for
/// <see cref="FaultOptions.Busy"/>. Every enrollment finishes, nothing is sent twice.
/// </summary>
internal static class StorageRun
{
    public static async Task RunAsync(Lab lab, FaultOptions o, FaultReport report, Action<string> log, CancellationToken ct)
    {
        await using var apps = await Deployment.StartAsync(lab, "storage", 2, lab.Settings("storage", "smtp"), ct);
        var sequence = await Runs.SetUpAsync(apps.Api, "Storage", [TimeSpan.Zero, o.StepDelay, o.StepDelay], ct);
        var ids = await Runs.EnrollAllAsync(apps.Api, sequence, "st", o.StorageEnrollments, ct);

        log($"   Azurite stopped for {o.Outage.TotalSeconds:0} s");
        await lab.StopStorageAsync(o.Outage, ct);
        await Task.Delay(o.StepDelay, ct);
        log($"   storage answers 503 ServerBusy for {o.Busy.TotalSeconds:0} s");
        lab.Proxy.Mode = StorageMode.Busy;
        await Task.Delay(o.Busy, ct);
        lab.Proxy.Mode = StorageMode.Pass;
        await Runs.WaitEndedAsync(apps.Api, sequence, o.Deadline, log, ct);

        var audit = AuditResult.Of(await apps.Api.EnrollmentsAsync(ids, ct), 3, Received.FromFolder(lab.Sink.MailDirectory));
        report.Add("storage", "requests cut while Azurite was down / answered 503", $"{lab.Proxy.Cut} / {lab.Proxy.BusyAnswers}");
        Runs.Report(report, "storage", audit, log);
        report.Add("storage", "fail/crit log lines", Runs.FailureLines(Path.Combine(lab.Work, "storage")));
    }
}
