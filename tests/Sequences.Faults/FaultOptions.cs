using System.Globalization;

namespace Sequences.Faults;

/// <summary>
/// The sizes of a fault-injection run. The defaults are the full run the README's figures come
/// from; <see cref="Short"/> is the form CI runs.
/// </summary>
public sealed record FaultOptions
{
    /// <summary>Crash run: enrollments of 3 email steps, <see cref="StepDelay"/> apart.</summary>
    public int Enrollments { get; init; } = 1000;

    /// <summary>App processes sharing the storage account in the crash run.</summary>
    public int Processes { get; init; } = 3;

    /// <summary>kill -9 of one of the processes, this many times during the crash run.</summary>
    public int Kills { get; init; } = 20;

    /// <summary>Time between kills.</summary>
    public TimeSpan KillEvery { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>How long a killed process stays down before it is started again.</summary>
    public TimeSpan DownFor { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan StepDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Slow-SMTP run: how long the SMTP peer takes over each reply, and how many emails.</summary>
    public TimeSpan SlowReply { get; init; } = TimeSpan.FromSeconds(25);

    public int SlowEmails { get; init; } = 4;

    /// <summary>The step lease of the slow-SMTP run (the app's default: 2 minutes; 7 slow replies take longer).</summary>
    public TimeSpan SlowLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Storage run: enrollments (3 steps) while Azurite is stopped, then answers 503, for these times.</summary>
    public int StorageEnrollments { get; init; } = 200;

    public TimeSpan Outage { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Busy { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Disk-full run: enrollments (3 steps) whose pickup directory is full for <see cref="DiskFull"/>.</summary>
    public int DiskFullEnrollments { get; init; } = 100;

    public TimeSpan DiskFull { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Races of an unenroll (half) or an inbound reply (half) against a due step.</summary>
    public int Races { get; init; } = 1000;

    /// <summary>Forged posts of each kind (Mailgun signature, unsubscribe token, keyless Event Grid, …).</summary>
    public int Forged { get; init; } = 100;

    /// <summary>How long a run may take to finish its enrollments once its faults are over.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Runs to do (crash, slow-smtp, storage, disk-full, races, forged); empty: all.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where logs and data go; null: a new temporary directory.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>The form CI runs: every fault, small.</summary>
    public static FaultOptions Short { get; } = new()
    {
        Enrollments = 20,
        Kills = 3,
        KillEvery = TimeSpan.FromSeconds(6),
        DownFor = TimeSpan.FromSeconds(1),
        StepDelay = TimeSpan.FromSeconds(5),
        SlowReply = TimeSpan.FromSeconds(2),
        SlowEmails = 2,
        SlowLease = TimeSpan.FromSeconds(5),
        StorageEnrollments = 10,
        Outage = TimeSpan.FromSeconds(5),
        Busy = TimeSpan.FromSeconds(5),
        DiskFullEnrollments = 6,
        DiskFull = TimeSpan.FromSeconds(5),
        Races = 20,
        Forged = 5,
        Deadline = TimeSpan.FromMinutes(5),
    };

    public bool Runs(string name) => Only.Count == 0 || Only.Contains(name);

    /// <summary>
    /// <c>--short</c> starts from <see cref="Short"/>; then <c>--enrollments N --processes N --kills N
    /// --kill-every S --races N --forged N --storage-enrollments N --deadline S --only crash,races --work DIR</c>.
    /// </summary>
    public static FaultOptions Parse(IReadOnlyList<string> args)
    {
        var o = args.Contains("--short") ? Short : new FaultOptions();
        for (var i = 0; i < args.Count - 1; i++)
        {
            var v = args[i + 1];
            int N() => int.Parse(v, CultureInfo.InvariantCulture);
            TimeSpan S() => TimeSpan.FromSeconds(double.Parse(v, CultureInfo.InvariantCulture));
            o = args[i] switch
            {
                "--enrollments" => o with { Enrollments = N() },
                "--processes" => o with { Processes = N() },
                "--kills" => o with { Kills = N() },
                "--kill-every" => o with { KillEvery = S() },
                "--races" => o with { Races = N() },
                "--forged" => o with { Forged = N() },
                "--storage-enrollments" => o with { StorageEnrollments = N() },
                "--deadline" => o with { Deadline = S() },
                "--only" => o with { Only = v.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase) },
                "--work" => o with { WorkDirectory = v },
                _ => o,
            };
        }

        return o;
    }
}
