using System.Diagnostics;

namespace Sequences.Faults;

/// <summary>
/// The fault-injection suite: each run deploys the app (its build output, in child processes, as
/// users run it) on the lab's Azurite and SMTP sink, injects one kind of fault while enrollments
/// run, and counts what the guarantees promise never happens.
/// </summary>
public static class FaultSuite
{
    public static async Task<FaultReport> RunAsync(FaultOptions options, Action<string> log, CancellationToken ct)
    {
        var report = new FaultReport();
        await using var lab = await Lab.StartAsync(options.WorkDirectory, log, ct);
        var runs = new (string Name, Func<Lab, FaultOptions, FaultReport, Action<string>, CancellationToken, Task> Run)[]
        {
            ("crash", CrashRun.RunAsync),
            ("slow-smtp", SlowSmtpRun.RunAsync),
            ("storage", StorageRun.RunAsync),
            ("disk-full", DiskFullRun.RunAsync),
            ("races", RaceRun.RunAsync),
            ("forged", ForgeryRun.RunAsync),
        };
        foreach (var (name, run) in runs.Where(r => options.Runs(r.Name)))
        {
            var clock = Stopwatch.StartNew();
            log($"== {name}");
            await run(lab, options, report, log, ct);
            report.Add(name, "duration", clock.Elapsed);
            log($"== {name} done in {clock.Elapsed.TotalSeconds:0} s");
        }

        // A temporary work directory goes when every target was met; otherwise its logs are kept for a look.
        lab.KeepWork = options.WorkDirectory is not null || report.Missed.Count > 0;
        if (lab.KeepWork)
        {
            log($"Logs and data kept in {lab.Work}");
        }

        return report;
    }
}

/// <summary>Steps shared by the runs.</summary>
internal static class Runs
{
    public const int Senders = 10;

    public static string SenderOf(int i) => $"u{i % Senders}";

    /// <summary>Users u0…u9 (a high daily limit), and a sequence of emails with these delays.</summary>
    public static async Task<string> SetUpAsync(FaultApi api, string name, IReadOnlyList<TimeSpan> delays, CancellationToken ct)
    {
        for (var u = 0; u < Senders; u++)
        {
            await api.PutUserAsync($"u{u}", ct);
        }

        return await api.CreateSequenceAsync(name, delays, ct);
    }

    /// <summary>Creates contacts {prefix}0… and enrolls them, a few at a time (each told to <paramref name="enrolled"/> as it is); the enrollment ids in contact order.</summary>
    public static async Task<IReadOnlyList<string>> EnrollAllAsync(FaultApi api, string sequenceId, string prefix, int count, CancellationToken ct, Action<int, string>? enrolled = null)
    {
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            await api.PutContactAsync($"{prefix}{i}", token);
            ids[i] = await api.EnrollAsync(sequenceId, $"{prefix}{i}", SenderOf(i), token);
            enrolled?.Invoke(i, ids[i]);
        });
        return ids;
    }

    /// <summary>Waits until no enrollment of the sequence is active (or the deadline passes), saying how it goes.</summary>
    public static async Task WaitEndedAsync(FaultApi api, string sequenceId, TimeSpan deadline, Action<string> log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var said = TimeSpan.Zero;
        while (clock.Elapsed < deadline)
        {
            var (active, paused, finished, unenrolled) = await api.CountsAsync(sequenceId, ct);
            if (clock.Elapsed - said > TimeSpan.FromSeconds(30))
            {
                log($"   {active} active, {paused} paused, {finished} finished, {unenrolled} unenrolled ({clock.Elapsed.TotalSeconds:0} s)");
                said = clock.Elapsed;
            }

            if (active == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    /// <summary>Adds the audit's figures with the targets: 0 duplicates, 0 lost, 100 % finished.</summary>
    public static void Report(FaultReport report, string run, AuditResult audit, Action<string> log)
    {
        log("   " + audit.Line);
        foreach (var example in audit.Examples)
        {
            log("   e.g. " + example);
        }

        report.Add(run, "emails delivered / email steps", $"{audit.Delivered} / {audit.Steps}");
        report.Expect(run, "duplicates (by Message-ID at the sink)", audit.Duplicates, 0);
        report.Expect(run, "lost steps (neither delivered nor recorded in doubt)", audit.Lost, 0);
        report.Add(run, "in-doubt sends recorded (of them delivered)", $"{audit.InDoubt} ({audit.InDoubtDelivered})");
        var finished = audit.Enrollments - audit.NotFinished;
        report.Expect(run, "enrollments finished", $"{finished} / {audit.Enrollments}", "100 %", audit.NotFinished == 0);
    }

    /// <summary>Lines saying fail or crit in the run's app logs.</summary>
    public static int FailureLines(string directory) => Directory.GetFiles(directory, "app-*.log")
        .Sum(f => File.ReadLines(f).Count(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)));

    /// <summary>Runs <paramref name="work"/> on a few items at a time.</summary>
    public static Task EachAsync<T>(IEnumerable<T> items, int parallel, Func<T, CancellationToken, ValueTask> work, CancellationToken ct) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, work);
}
