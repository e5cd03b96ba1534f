using System.Diagnostics;

namespace Sequences.Faults;

/// <summary>
/// The pickup transport writing to a disk that is full for <see cref="FaultOptions.DiskFull"/> (a small
/// tmpfs filled up; needs mount, so root): the steps wait and retry, none is lost or written twice.
/// </summary>
public static class DiskFullRun
{
    internal static async Task RunAsync(Lab lab, FaultOptions o, FaultReport report, Action<string> log, CancellationToken ct)
    {
        var disk = Path.Combine(lab.Work, "disk-full", "disk");
        Directory.CreateDirectory(disk);
        if (Mount(disk) is { } why)
        {
            log($"   not run: {why}");
            report.Expect("disk-full", "run", "not run: " + why, "run", false);
            return;
        }

        try
        {
            var pickup = Path.Combine(disk, "pickup");
            Directory.CreateDirectory(pickup);
            var filler = Fill(disk);
            var settings = lab.Settings("disk-full", "pickup");
            settings["Email__PickupDirectory"] = pickup;
            await using var apps = await Deployment.StartAsync(lab, "disk-full", 2, settings, ct);
            var sequence = await Runs.SetUpAsync(apps.Api, "Disk full", [TimeSpan.Zero, o.StepDelay, o.StepDelay], ct);
            var ids = await Runs.EnrollAllAsync(apps.Api, sequence, "df", o.DiskFullEnrollments, ct);
            await Task.Delay(o.DiskFull, ct);
            File.Delete(filler);
            log($"   the disk had room again after {o.DiskFull.TotalSeconds:0} s");
            await Runs.WaitEndedAsync(apps.Api, sequence, o.Deadline, log, ct);

            var views = await apps.Api.EnrollmentsAsync(ids, ct);
            var audit = AuditResult.Of(views, 3, Received.FromFolder(pickup));
            var failures = views.Sum(v => v.Events.Count(e => e.Type == "stepFailed"));
            report.Add("disk-full", "failed attempts recorded on timelines (retried)", failures);
            Runs.Report(report, "disk-full", audit, log);
        }
        finally
        {
            Run("umount", ["-l", disk]);
        }
    }

    /// <summary>Why a small tmpfs cannot be mounted here (not root, no CAP_SYS_ADMIN), or null when it can.</summary>
    public static string? WhyNotMountable()
    {
        var dir = Directory.CreateTempSubdirectory("sequences-mount-probe-").FullName;
        var why = Mount(dir);
        Run("umount", ["-l", dir]);
        Directory.Delete(dir);
        return why;
    }

    /// <summary>Mounts a 4 MB tmpfs; null when done, else why not.</summary>
    private static string? Mount(string dir) =>
        Run("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]) is { Length: > 0 } error ? $"cannot mount a small tmpfs ({error.Trim()})" : null;

    /// <summary>Fills the disk with one file; its path.</summary>
    private static string Fill(string disk)
    {
        var path = Path.Combine(disk, "filler");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // Full.
        }

        return path;
    }

    /// <summary>Runs a command; its standard error when it failed, else "".</summary>
    private static string Run(string command, string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? "" : $"exit {process.ExitCode}: {error}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}
