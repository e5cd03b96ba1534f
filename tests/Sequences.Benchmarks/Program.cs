using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Functions.Hosting.Standalone;
using Sequences.Functions.Workflow;
using Sequences.Storage;
using Sequences.Storage.Local;
using Sequences.Testing;

// The engine (one Durable Functions orchestration per enrollment, on the Azure Storage provider)
// measured on a fresh in-memory Azurite, once per column: (A) Durable Functions' default settings
// and (B) the settings the app ships with (host.json as is). Per column: a burst while thousands of
// enrollments sleep on long timers, a steady load, an idle period, and a restart after kill -9.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args is ["bounces", .. var bounceArgs])
{
    return await BounceScript.RunAsync(bounceArgs);
}

if (args is ["lists", .. var listArgs])
{
    return await ListBenchmark.RunAsync(listArgs);
}

var options = BenchmarkOptions.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var columns = Column.Selected(options.Columns);
Report.PrintHeader(options, columns);
var results = new List<ColumnResult>();
foreach (var column in columns)
{
    results.Add(await ColumnRun.RunAsync(column, options, cancel.Token));
    // The next column starts from a process that gave its memory back.
    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
}

Report.PrintTable(results, options);
return 0;

/// <summary>
/// <c>bounces [--url U] [--api-key K] [--folder F]</c>: feeds a folder of labelled bounces through
/// a running app (<see cref="BounceCheck"/>) and prints agreement, false-hard and false-soft.
/// </summary>
internal static class BounceScript
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        using var api = new HttpClient { BaseAddress = new Uri(Arg("--url", "http://127.0.0.1:7071").TrimEnd('/') + "/") };
        if (Arg("--api-key", "") is { Length: > 0 } key)
        {
            api.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        var check = new BounceCheck(api, Arg("--folder", Path.Combine("tests", "fixtures", "bounces")));
        var sequence = await check.SetUpAsync(CancellationToken.None);
        var outcomes = new ConcurrentBag<BounceOutcome>();
        await Parallel.ForEachAsync(check.Cases().Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (x, ct) => outcomes.Add(await check.RunAsync(sequence, x.c, x.i, ct)));
        foreach (var o in outcomes.Where(o => !o.Agrees || (o.Case.ExpectReason is { } r && r != o.Reason)).OrderBy(o => o.Case.File, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {o.Case.File}: labelled {(o.Case.ExpectHard ? "hard" : "soft")} {o.Case.ExpectReason}, got {(o.Hard ? "hard" : "soft")} {o.Reason}");
        }

        Console.WriteLine(BounceCheck.Summary([.. outcomes]));
        return 0;
    }
}

internal sealed record BenchmarkOptions(
    int Contacts, string Delay, int Senders, int RawSeconds, int EnrollConcurrency, int Background, int SteadySeconds, int IdleMinutes, string Columns)
{
    private static readonly string[] Known = ["--contacts", "--delay", "--senders", "--raw-seconds", "--enroll-concurrency", "--background", "--steady-seconds", "--idle-minutes", "--columns"];

    public TimeSpan DelaySpan => StepDelay.Parse(Delay).Approximate;

    public TimeSpan Idle => TimeSpan.FromMinutes(IdleMinutes);

    /// <summary>The sleeping enrollments are enrolled with more concurrency than the burst (they are not measured).</summary>
    public int BackgroundConcurrency => Math.Max(32, EnrollConcurrency);

    public static BenchmarkOptions Parse(string[] args)
    {
        if (args.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal) && !Known.Contains(a)) is { } unknown)
        {
            throw new ArgumentException($"Unknown option {unknown}; known: {string.Join(", ", Known)}.");
        }

        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new BenchmarkOptions(
            Int("--contacts", 500),
            Arg("--delay") ?? "PT3S",
            Int("--senders", 10),
            Int("--raw-seconds", 5),
            Int("--enroll-concurrency", 8),
            Int("--background", 10_000),
            Int("--steady-seconds", 60),
            Int("--idle-minutes", 10),
            Arg("--columns") ?? "both");
    }
}

/// <summary>One column: a name and the host.json values it overrides (the Functions host's AzureFunctionsJobHost convention).</summary>
internal sealed record Column(string Key, string Title, string Prefix, IReadOnlyDictionary<string, string> DurableOverrides)
{
    private const string DurableSection = "extensions:durableTask";

    public static IReadOnlyList<Column> Selected(string which) => which switch
    {
        "both" => [Default(), Shipped()],
        "default" => [Default()],
        "shipped" => [Shipped()],
        _ => throw new ArgumentException($"--columns must be both, default or shipped; got '{which}'."),
    };

    public static Column Shipped() => new("shipped", "B shipped", "benchship", new Dictionary<string, string>());

    /// <summary>Every durableTask key host.json sets, at Durable Functions' documented default.</summary>
    public static Column Default()
    {
        var defaults = DurableFunctionsDefaults();
        var shipped = HostJson.Load(new ConfigurationBuilder().Build()).Settings.GetSection(DurableSection)
            .AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null && kv.Key != "hubName").Select(kv => kv.Key).ToList();
        if (shipped.FirstOrDefault(k => !defaults.ContainsKey(k)) is { } missing)
        {
            throw new InvalidOperationException($"host.json sets extensions.durableTask.{missing}; add its Durable Functions default to the benchmark.");
        }

        return new("default", "A DF defaults", "benchdef", shipped.ToDictionary(k => k, k => defaults[k], StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Durable Functions' defaults (Azure Storage provider) for the keys host.json may set.</summary>
    private static Dictionary<string, string> DurableFunctionsDefaults()
    {
        var perCore = (10 * Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture);
        return new(StringComparer.OrdinalIgnoreCase)
        {
            ["maxConcurrentActivityFunctions"] = perCore,
            ["maxConcurrentOrchestratorFunctions"] = perCore,
            ["extendedSessionsEnabled"] = "false",
            ["storageProvider:partitionCount"] = "4",
            ["storageProvider:maxQueuePollingInterval"] = "00:00:30",
            ["storageProvider:controlQueueVisibilityTimeout"] = "00:05:00",
            ["storageProvider:workItemQueueVisibilityTimeout"] = "00:05:00",
            // Durable Functions 3.x's default (2.x: false, blob leases).
            ["storageProvider:useTablePartitionManagement"] = "true",
        };
    }

    /// <summary>The overrides as configuration keys (in-process app).</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings =>
        DurableOverrides.Select(kv => new KeyValuePair<string, string?>($"AzureFunctionsJobHost:{DurableSection}:{kv.Key}", kv.Value));

    /// <summary>The overrides as environment variables (child process).</summary>
    public IEnumerable<KeyValuePair<string, string>> EnvironmentVariables =>
        Settings.Select(kv => new KeyValuePair<string, string>(kv.Key.Replace(":", "__", StringComparison.Ordinal), kv.Value!));

    /// <summary>The provider settings this column runs with, as the app reads them.</summary>
    public DurableTask.AzureStorage.AzureStorageOrchestrationServiceSettings Effective() =>
        HostJson.Load(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build()).DurableProvider();
}

/// <summary>Every figure of one column; null when its phase did not get that far.</summary>
internal sealed class ColumnResult(Column column)
{
    public Column Column { get; } = column;
    public RawStorage.Result? Raw { get; set; }
    public RawStorage.Result? RawLoaded { get; set; }
    public int? Sleepers { get; set; }
    public double? SleepersSetupSeconds { get; set; }
    public double? BurstSeconds { get; set; }
    public double? StepsPerSecondWall { get; set; }
    public double? StepsPerSecondBusy { get; set; }
    public double? RequestsPerStep { get; set; }
    public double? DurableRequestsPerStep { get; set; }
    public double? Ceiling => Raw is { } raw && RequestsPerStep is { } r ? raw.MixedOpsPerSecond / r : null;
    public double? ShareOfCeiling => StepsPerSecondBusy / Ceiling;
    public double? ShareOfLoadedCeiling => RawLoaded is { } raw ? StepsPerSecondBusy / (raw.MixedOpsPerSecond / RequestsPerStep) : null;
    public Latencies? Burst { get; set; }
    public double? BurstEnrollCallP50 { get; set; }
    public double? BurstEnrollCallP99 { get; set; }
    public CpuCores? BurstCpu { get; set; }
    public IReadOnlyDictionary<string, long> BurstByActivity { get; set; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> BurstByOperation { get; set; } = new Dictionary<string, long>();
    public double? SteadyEnrollmentsPerSecond { get; set; }
    public Latencies? Steady { get; set; }
    public double? IdleRequestsPerHour { get; set; }
    public double? IdleDurablePerHour { get; set; }
    public IReadOnlyDictionary<string, long> IdleByOperation { get; set; } = new Dictionary<string, long>();
    public double? IdleTimerLatenessMs { get; set; }
    public double? AfterIdleFirstEmailMs { get; set; }
    public RestartResult? Restart { get; set; }
    public double? PeakWorkingSetMb { get; set; }
    public LogCounts Logs { get; set; } = new(0, 0, []);
    public List<string> Notes { get; } = [];
}

/// <summary>Enroll → first email and timer lateness (ms), from the enrollments' timelines.</summary>
internal sealed record Latencies(IReadOnlyList<double> FirstEmail, IReadOnlyList<double> Lateness, int Enrollments, int Emails, int DuplicateSends)
{
    public double FirstP50 => Stats.Percentile(FirstEmail, 50);
    public double FirstP99 => Stats.Percentile(FirstEmail, 99);
    public double LateP50 => Stats.Percentile(Lateness, 50);
    public double LateP99 => Stats.Percentile(Lateness, 99);
}

internal sealed record RestartResult(
    int Enrollments, int AsleepAtKill, double KillToRestartSeconds, double ReadySeconds, double? FirstOverdueSeconds, double? LastOverdueSeconds,
    int Step2Files, int SentBeforeKill, int EmailFiles, int TimelineEmails, int DuplicateSends, LogCounts Logs);

internal static class Clock
{
    public static async Task DelayUntilAsync(DateTimeOffset at, CancellationToken ct)
    {
        var wait = at - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }
    }
}

internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}

/// <summary>One column: Azurite, its raw rate, the in-process phases, then the restart in child processes.</summary>
internal static class ColumnRun
{
    public static async Task<ColumnResult> RunAsync(Column column, BenchmarkOptions options, CancellationToken ct)
    {
        var result = new ColumnResult(column);
        var work = Directory.CreateTempSubdirectory($"sequences-bench-{column.Key}-").FullName;
        Console.WriteLine();
        Console.WriteLine($"== Column {column.Title}: work folder {work} (logs kept there)");
        await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { InMemory = true }, Console.WriteLine, ct);
        result.Raw = await RawStorage.MeasureAsync(azurite.ConnectionString, TimeSpan.FromSeconds(options.RawSeconds), ct);
        Console.WriteLine($"  Azurite raw mixed rate {result.Raw.MixedOpsPerSecond:0} ops/s");

        await using (var app = await AppUnderTest.StartAsync(column, azurite.ConnectionString, work, ct))
        {
            using var memory = PeakMemory.Start();
            var phases = new Phases(app, options, result, azurite);
            try
            {
                await phases.RunAsync(ct);
            }
            finally
            {
                result.PeakWorkingSetMb = memory.PeakMegabytes;
                result.Logs = app.Logs.Counts();
            }
        }

        result.Restart = await RestartTest.RunAsync(column, azurite.ConnectionString, work, ct);
        Report.PrintColumn(result, options);
        Directory.Delete(Path.Combine(work, "pickup"), recursive: true);
        return result;
    }
}

/// <summary>The app started in this process by StandaloneHost, with what the phases need from it.</summary>
internal sealed class AppUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AppUnderTest(WebApplication app, Api api, string pickup, LogCounter logs)
    {
        _app = app;
        Api = api;
        Pickup = new Pickup(pickup);
        Logs = logs;
    }

    public Api Api { get; }
    public Pickup Pickup { get; }
    public LogCounter Logs { get; }
    public StorageMetrics Metrics => _app.Services.GetRequiredService<StorageMetrics>();
    public IEnrollmentStore Enrollments => _app.Services.GetRequiredService<IEnrollmentStore>();
    public DurableTaskClient Durable => _app.Services.GetRequiredService<DurableTaskClient>();

    public static async Task<AppUnderTest> StartAsync(Column column, string connectionString, string work, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{NodeServerProcess.FreePorts(1)[0]}";
        var pickup = Path.Combine(work, "pickup");
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = url,
            ["AzureWebJobsStorage"] = connectionString,
            ["Storage:Prefix"] = column.Prefix,
            ["Email:Transport"] = "pickup",
            ["Email:PickupDirectory"] = pickup,
            // Over host.json's logging section (Information), as the app's own Logging settings are.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in column.Settings)
        {
            settings[key] = value;
        }

        var logs = new LogCounter(Path.Combine(work, "app.log"));
        var app = await StandaloneHost.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }, cancellationToken: ct);
        await app.StartAsync(ct);
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        return new AppUnderTest(app, new Api(http), pickup, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Logs.Dispose();
    }
}

/// <summary>The in-process phases of a column: seed, sleeping enrollments, burst, steady load, idle.</summary>
internal sealed class Phases(AppUnderTest app, BenchmarkOptions options, ColumnResult result, AzuriteProcess azurite)
{
    private const string Sender0 = "u0";
    private readonly Dictionary<string, string> _sequences = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken ct)
    {
        await SeedAsync(ct);
        await EnrollSleepersAsync(ct);
        // Again with the task hub loaded (thousands of timer messages queued): Azurite slows down as it holds more.
        result.RawLoaded = await RawStorage.MeasureAsync(azurite.ConnectionString, TimeSpan.FromSeconds(options.RawSeconds), ct, "rawloaded");
        await BurstAsync(ct);
        await SteadyAsync(ct);
        await IdleAsync(ct);
    }

    /// <summary>Senders, sequences, and the contacts of the sleeping enrollments and the burst.</summary>
    private async Task SeedAsync(CancellationToken ct)
    {
        for (var u = 0; u < options.Senders; u++)
        {
            await app.Api.PutUserAsync($"u{u}", ct);
        }

        var delay = options.Delay;
        _sequences["burst"] = await app.Api.CreateSequenceAsync("Burst", ["PT0S", delay, delay], ct);
        _sequences["steady"] = await app.Api.CreateSequenceAsync("Steady", ["PT0S", delay, delay], ct);
        _sequences["sleepers"] = await app.Api.CreateSequenceAsync("Sleepers", ["P3D"], ct);
        _sequences["idle"] = await app.Api.CreateSequenceAsync("Idle timer", ["PT0S", $"PT{options.IdleMinutes}M"], ct);
        _sequences["afterIdle"] = await app.Api.CreateSequenceAsync("After idle", ["PT0S"], ct);
        await app.Api.PutContactsAsync("z", options.Background, options.BackgroundConcurrency, ct);
        await app.Api.PutContactsAsync("b", options.Contacts, 16, ct);
        await app.Api.PutContactsAsync("i", 2, 1, ct);
    }

    private string SenderOf(int i) => $"u{i % options.Senders}";

    /// <summary>
    /// Enrollments whose first step is 3 days away: as many orchestrations asleep on durable timers.
    /// Made in waves, each waited for until its workflows sleep, so the task hub never holds thousands
    /// of pending starts (on Azurite, whose table queries are full scans, a backlog makes every episode
    /// slower). Not measured.
    /// </summary>
    private async Task EnrollSleepersAsync(CancellationToken ct)
    {
        const int Wave = 500;
        var clock = Stopwatch.StartNew();
        var sequenceId = _sequences["sleepers"];
        var asleep = 0;
        for (var first = 0; first < options.Background; first += Wave)
        {
            var wave = Stopwatch.StartNew();
            var waveStart = DateTimeOffset.UtcNow;
            var count = Math.Min(Wave, options.Background - first);
            await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = options.BackgroundConcurrency, CancellationToken = ct },
                async (i, token) => await app.Api.EnrollAsync(sequenceId, $"z{i}", SenderOf(i), token));
            var made = wave.Elapsed.TotalSeconds;
            var waveAsleep = await WaitAsleepAsync(sequenceId, waveStart, count, TimeSpan.FromMinutes(10), ct);
            asleep += waveAsleep;
            Console.WriteLine($"    wave {first / Wave + 1}: {count} enrolled in {made:0} s, {waveAsleep} asleep after {wave.Elapsed.TotalSeconds:0} s; {asleep} asleep in all after {clock.Elapsed.TotalSeconds:0} s");
            if (waveAsleep < count)
            {
                result.Notes.Add($"sleepers: wave {first / Wave + 1} had only {waveAsleep} of {count} workflows asleep after 10 min; no further waves");
                break;
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(10), ct);
        result.Sleepers = asleep;
        result.SleepersSetupSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>Waits until the workflows started since <paramref name="since"/> have all set their timer; returns how many did.</summary>
    private async Task<int> WaitAsleepAsync(string sequenceId, DateTimeOffset since, int expected, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int asleep;
        while ((asleep = await SleepingAsync(sequenceId, since, ct)) < expected && clock.Elapsed < timeout)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }

        return asleep;
    }

    /// <summary>Workflows created since <paramref name="since"/> that continued as new with a wake-up time (their timer is set).</summary>
    private async Task<int> SleepingAsync(string sequenceId, DateTimeOffset since, CancellationToken ct)
    {
        var query = new OrchestrationQuery
        {
            CreatedFrom = since,
            InstanceIdPrefix = sequenceId + "-",
            Statuses = [OrchestrationRuntimeStatus.Running],
            FetchInputsAndOutputs = true,
            PageSize = 1000,
        };
        var n = 0;
        await foreach (var instance in app.Durable.GetAllInstancesAsync(query).WithCancellation(ct))
        {
            if (instance.ReadInputAs<EnrollmentWorkflowInput>() is { WakeAt: not null })
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>N contacts × 3 email steps as fast as the engine goes, counted request by request.</summary>
    private async Task BurstAsync(CancellationToken ct)
    {
        var sequenceId = _sequences["burst"];
        var steps = options.Contacts * 3;
        GC.Collect();
        app.Metrics.Reset();
        var cpu = CpuMeter.Start(azurite.ProcessId);
        var start = DateTimeOffset.UtcNow;
        var calls = new ConcurrentBag<double>();
        var enrolled = await EnrollAllAsync(sequenceId, "b", options.Contacts, options.EnrollConcurrency, ct, calls);
        result.BurstEnrollCallP50 = Stats.Percentile([.. calls], 50);
        result.BurstEnrollCallP99 = Stats.Percentile([.. calls], 99);
        Console.WriteLine($"  burst: {options.Contacts} enrolled in {(DateTimeOffset.UtcNow - start).TotalSeconds:0.0} s");
        var done = await app.Pickup.WaitAsync(sequenceId, steps, TimeSpan.FromMinutes(20), ct);
        if (done.Count < steps)
        {
            result.Notes.Add($"burst: only {done.Count} of {steps} emails after 20 min");
        }

        var elapsed = (done.LastWrite - start).TotalSeconds;
        result.BurstCpu = cpu.Cores();
        // Let in-flight completions (the workflows' last turns) land, and count them too.
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var total = app.Metrics.Total;
        var byActivity = app.Metrics.ByActivity();
        result.BurstByActivity = byActivity;
        result.BurstByOperation = app.Metrics.Snapshot();
        result.BurstSeconds = elapsed;
        result.StepsPerSecondWall = done.Count / elapsed;
        result.StepsPerSecondBusy = done.Count / Math.Max(elapsed - 2 * options.DelaySpan.TotalSeconds, 0.001);
        result.RequestsPerStep = (double)total / steps;
        result.DurableRequestsPerStep = (double)byActivity.GetValueOrDefault("durable") / steps;
        result.Burst = await Timelines.ReadAsync(app.Enrollments, sequenceId, enrolled, options.DelaySpan, ct);
        Console.WriteLine($"  burst: {done.Count} emails in {elapsed:0.0} s, {result.RequestsPerStep:0.00} requests per step");
    }

    /// <summary>Half the burst's busy throughput, enrollments arriving at a steady rate.</summary>
    private async Task SteadyAsync(CancellationToken ct)
    {
        var sequenceId = _sequences["steady"];
        var perSecond = (result.StepsPerSecondBusy ?? 3) / 2 / 3;
        var count = Math.Max(1, (int)Math.Round(perSecond * options.SteadySeconds));
        result.SteadyEnrollmentsPerSecond = perSecond;
        await app.Api.PutContactsAsync("s", count, 16, ct);
        Console.WriteLine($"  steady: {perSecond:0.0} enrollments/s ({perSecond * 3:0.0} steps/s) for {options.SteadySeconds} s = {count} enrollments");

        var enrolled = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var start = Stopwatch.StartNew();
        var calls = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond) - start.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }

            var contact = i;
            calls.Add(Task.Run(async () =>
            {
                var (id, at) = await app.Api.EnrollAsync(sequenceId, $"s{contact}", SenderOf(contact), ct);
                enrolled[id] = at;
            }, ct));
        }

        await Task.WhenAll(calls);
        var done = await app.Pickup.WaitAsync(sequenceId, count * 3, TimeSpan.FromMinutes(10), ct);
        if (done.Count < count * 3)
        {
            result.Notes.Add($"steady: only {done.Count} of {count * 3} emails 10 min after the last enrollment");
        }

        result.Steady = await Timelines.ReadAsync(app.Enrollments, sequenceId, enrolled, options.DelaySpan, ct);
    }

    /// <summary>
    /// Idle for --idle-minutes: requests per hour, the lateness of a timer due right at the end
    /// (a contact enrolled at the start into PT0S, then PT{idle}M), and, once the pollers have
    /// backed off again, the first email of a new enrollment.
    /// </summary>
    private async Task IdleAsync(CancellationToken ct)
    {
        var timer = await EnrollAndWaitFirstAsync(_sequences["idle"], "i0", ct);
        if (timer is null)
        {
            return;
        }

        app.Metrics.Reset();
        var idleStart = DateTimeOffset.UtcNow;
        var dueAt = timer.Value.SentAt + options.Idle;
        Console.WriteLine($"  idle: {options.IdleMinutes} min, until {dueAt:HH:mm:ss} UTC when the timer is due");
        await Clock.DelayUntilAsync(dueAt, ct);
        var hours = (DateTimeOffset.UtcNow - idleStart).TotalHours;
        result.IdleRequestsPerHour = app.Metrics.Total / hours;
        result.IdleDurablePerHour = app.Metrics.ByActivity().GetValueOrDefault("durable") / hours;
        result.IdleByOperation = app.Metrics.Snapshot();

        var maxPoll = result.Column.Effective().MaxQueuePollingInterval;
        if ((await app.Pickup.WaitAsync(_sequences["idle"], 2, 3 * maxPoll + TimeSpan.FromMinutes(2), ct)).Count < 2)
        {
            result.Notes.Add("idle: the timer due at the end of the idle period did not fire");
            return;
        }

        var e = (await app.Enrollments.GetAsync(timer.Value.EnrollmentId, ct))!.Value;
        var sent = e.Events.Where(x => x.Type == EventTypes.EmailSent).OrderBy(x => x.Step).ToList();
        result.IdleTimerLatenessMs = (sent[1].At - (sent[0].At + options.Idle)).TotalMilliseconds;

        // The timer's run woke the pollers; let them back off to their longest interval again (about twice it).
        await Task.Delay(2 * maxPoll + TimeSpan.FromSeconds(5), ct);
        var after = await EnrollAndWaitFirstAsync(_sequences["afterIdle"], "i1", ct);
        result.AfterIdleFirstEmailMs = after is { } a ? (a.SentAt - a.RequestedAt).TotalMilliseconds : null;
    }

    private async Task<(string EnrollmentId, DateTimeOffset RequestedAt, DateTimeOffset SentAt)?> EnrollAndWaitFirstAsync(string sequenceId, string contactId, CancellationToken ct)
    {
        var (id, requestedAt) = await app.Api.EnrollAsync(sequenceId, contactId, Sender0, ct);
        var maxPoll = result.Column.Effective().MaxQueuePollingInterval;
        if ((await app.Pickup.WaitAsync(sequenceId, 1, 3 * maxPoll + TimeSpan.FromMinutes(2), ct)).Count < 1)
        {
            result.Notes.Add($"idle: no first email for {contactId}");
            return null;
        }

        var e = (await app.Enrollments.GetAsync(sequenceId, id, ct))!.Value;
        return (id, requestedAt, e.Events.First(x => x.Type == EventTypes.EmailSent).At);
    }

    private async Task<IReadOnlyDictionary<string, DateTimeOffset>> EnrollAllAsync(
        string sequenceId, string contactPrefix, int count, int concurrency, CancellationToken ct, ConcurrentBag<double> callMilliseconds)
    {
        var enrolled = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var (id, at) = await app.Api.EnrollAsync(sequenceId, $"{contactPrefix}{i}", SenderOf(i), token);
            enrolled[id] = at;
            callMilliseconds.Add((DateTimeOffset.UtcNow - at).TotalMilliseconds);
        });
        return enrolled;
    }
}

/// <summary>Latencies from the enrollments' timelines (emailSent events), read after the counts are taken.</summary>
internal static class Timelines
{
    public static async Task<Latencies> ReadAsync(
        IEnrollmentStore store, string sequenceId, IReadOnlyDictionary<string, DateTimeOffset> enrolledAt, TimeSpan delay, CancellationToken ct)
    {
        var first = new List<double>();
        var lateness = new List<double>();
        var emails = 0;
        var duplicates = 0;
        foreach (var (id, requestedAt) in enrolledAt)
        {
            var e = (await store.GetAsync(sequenceId, id, ct))!.Value;
            var sent = e.Events.Where(x => x.Type == EventTypes.EmailSent).OrderBy(x => x.Step).ToList();
            emails += sent.Count;
            duplicates += sent.Count - sent.Select(x => x.Step).Distinct().Count();
            if (sent.Count == 0)
            {
                continue;
            }

            first.Add((sent[0].At - requestedAt).TotalMilliseconds);
            for (var k = 1; k < sent.Count; k++)
            {
                lateness.Add((sent[k].At - (sent[k - 1].At + delay)).TotalMilliseconds);
            }
        }

        return new Latencies(first, lateness, enrolledAt.Count, emails, duplicates);
    }
}

/// <summary>The pickup folder: one file per email, named {enrollment id}.s{step}.eml, an enrollment id starting with its sequence id.</summary>
internal sealed class Pickup(string directory)
{
    public string Directory { get; } = directory;

    public sealed record Files(int Count, DateTimeOffset LastWrite);

    public IReadOnlyList<FileInfo> Of(string sequenceId, string pattern = "*") =>
        System.IO.Directory.Exists(Directory) ? new DirectoryInfo(Directory).GetFiles($"{sequenceId}-{pattern}.eml") : [];

    /// <summary>Waits until the sequence has <paramref name="expected"/> emails (or the timeout); the last file's write time ends the phase.</summary>
    public async Task<Files> WaitAsync(string sequenceId, int expected, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<FileInfo> files;
        while ((files = Of(sequenceId)).Count < expected && clock.Elapsed < timeout)
        {
            await Task.Delay(200, ct);
        }

        var last = files.Count == 0 ? DateTimeOffset.UtcNow : files.Max(f => new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero));
        return new Files(files.Count, last);
    }
}

/// <summary>The app's HTTP API, as a client uses it.</summary>
internal sealed class Api(HttpClient http) : IDisposable
{
    public async Task PutUserAsync(string userId, CancellationToken ct) =>
        await EnsureOk(await http.PutAsJsonAsync($"/api/users/{userId}", new { email = $"{userId}@acme.test", name = $"Rep {userId}", dailySendLimit = 100_000 }, ct), ct);

    public Task PutContactsAsync(string prefix, int count, int concurrency, CancellationToken ct) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
            await EnsureOk(await http.PutAsJsonAsync($"/api/contacts/{prefix}{i}", new { email = $"{prefix}{i}@buyer.test", firstName = $"N{i}" }, token), token));

    /// <summary>A sequence of automated emails with these delays (ISO 8601), shared, calendar days.</summary>
    public async Task<string> CreateSequenceAsync(string name, string[] delays, CancellationToken ct)
    {
        var steps = delays.Select((d, i) => i == 0
            ? (object)new { type = "automatedEmail", delay = d, subject = "Hello {{ contact.firstName }}", body = "Hi {{ contact.firstName }}, one." }
            : new { type = "automatedEmail", delay = d, body = $"Step {i + 1}, {{{{ contact.firstName }}}}." }).ToArray();
        using var response = await http.PostAsJsonAsync("/api/sequences", new
        {
            name,
            ownerUserId = "u0",
            sharedWithEveryone = true,
            settings = new { businessDaysOnly = false, threadFollowUps = true },
            steps,
        }, ct);
        return await IdAsync(response, ct);
    }

    /// <summary>Enrolls; returns the enrollment id and when the request was sent.</summary>
    public async Task<(string Id, DateTimeOffset RequestedAt)> EnrollAsync(string sequenceId, string contactId, string senderUserId, CancellationToken ct)
    {
        var requested = DateTimeOffset.UtcNow;
        using var response = await http.PostAsJsonAsync($"/api/sequences/{sequenceId}/enrollments", new { contactId, senderUserId }, ct);
        return (await IdAsync(response, ct), requested);
    }

    /// <summary>The steps of the enrollment's emailSent events, as the API shows them.</summary>
    public async Task<IReadOnlyList<int>> SentStepsAsync(string enrollmentId, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri($"/api/enrollments/{enrollmentId}", UriKind.Relative), ct);
        await EnsureOk(response, ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return body.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == EventTypes.EmailSent)
            .Select(e => e.GetProperty("step").GetInt32()).ToList();
    }

    public void Dispose() => http.Dispose();

    private static async Task<string> IdAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await EnsureOk(response, ct);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
    }

    private static async Task EnsureOk(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}

/// <summary>
/// Recovery after kill -9: the app in a child process, enrollments (PT0S, then PT30S) all past their
/// first email and asleep on their step-2 timer, the process killed, and a new process on the same
/// storage once every step 2 is overdue: how long until the overdue steps run, and that none runs twice.
/// </summary>
internal static class RestartTest
{
    private const int Enrollments = 100;

    /// <summary>Long enough for every workflow to set its timer before the kill, in both columns.</summary>
    private static readonly TimeSpan Step2Delay = TimeSpan.FromSeconds(30);

    private sealed record FirstLife(string SequenceId, IReadOnlyList<string> Ids, int AsleepAtKill, DateTimeOffset KilledAt);

    public static async Task<RestartResult> RunAsync(Column column, string connectionString, string work, CancellationToken ct)
    {
        var pickup = new Pickup(Path.Combine(work, "pickup", "restart"));
        var hub = column.Prefix + "r";
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Storage__Prefix"] = hub,
            ["Email__Transport"] = "pickup",
            ["Email__PickupDirectory"] = pickup.Directory,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in column.EnvironmentVariables)
        {
            env[key] = value;
        }

        var first = await RunUntilKilledAsync(env, pickup, new TableClient(connectionString, hub + "Instances"), Path.Combine(work, "restart-1.log"), ct);
        var sentBeforeKill = pickup.Of(first.SequenceId, "*.s2").Count;
        // Restart once every step 2 is overdue (the workflow asks its timer for 1 s more than the due time).
        var lastFirstEmail = pickup.Of(first.SequenceId, "*.s1").Max(f => new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero));
        await Clock.DelayUntilAsync(lastFirstEmail + Step2Delay + TimeSpan.FromSeconds(1), ct);

        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = AppProcess.Start(env, Path.Combine(work, "restart-2.log"));
        await second.WaitReadyAsync(ct);
        using var api = new Api(second.Http);
        var ready = (DateTimeOffset.UtcNow - restartedAt).TotalSeconds;
        await pickup.WaitAsync(first.SequenceId, 2 * Enrollments, TimeSpan.FromMinutes(10), ct);
        var step2 = pickup.Of(first.SequenceId, "*.s2").Select(f => new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)).Where(t => t >= restartedAt).ToList();

        var timelineEmails = 0;
        var duplicates = 0;
        foreach (var id in first.Ids)
        {
            var steps = await api.SentStepsAsync(id, ct);
            timelineEmails += steps.Count;
            duplicates += steps.Count - steps.Distinct().Count();
        }

        second.Kill();
        return new RestartResult(
            Enrollments, first.AsleepAtKill, (restartedAt - first.KilledAt).TotalSeconds, ready,
            step2.Count == 0 ? null : (step2.Min() - restartedAt).TotalSeconds,
            step2.Count == 0 ? null : (step2.Max() - restartedAt).TotalSeconds,
            step2.Count, sentBeforeKill, pickup.Of(first.SequenceId).Count, timelineEmails, duplicates,
            LogCounter.CountFile(Path.Combine(work, "restart-1.log")).Plus(LogCounter.CountFile(Path.Combine(work, "restart-2.log"))));
    }

    /// <summary>The first process: enroll, wait for every first email and for every workflow to sleep on its timer, kill -9.</summary>
    private static async Task<FirstLife> RunUntilKilledAsync(
        IReadOnlyDictionary<string, string> env, Pickup pickup, TableClient instances, string log, CancellationToken ct)
    {
        await using var app = AppProcess.Start(env, log);
        await app.WaitReadyAsync(ct);
        using var api = new Api(app.Http);
        var (sequenceId, ids) = await EnrollAsync(api, ct);
        if ((await pickup.WaitAsync(sequenceId, Enrollments, TimeSpan.FromMinutes(5), ct)).Count < Enrollments)
        {
            throw new TimeoutException("Restart test: the first emails were not all sent within 5 minutes.");
        }

        var clock = Stopwatch.StartNew();
        int asleep;
        while ((asleep = await AsleepAsync(instances, ids, ct)) < ids.Count && clock.Elapsed < Step2Delay - TimeSpan.FromSeconds(5))
        {
            await Task.Delay(200, ct);
        }

        app.Kill();
        return new FirstLife(sequenceId, ids, asleep, DateTimeOffset.UtcNow);
    }

    /// <summary>How many of the workflows have continued as new with a wake-up time (read from the task hub's Instances table).</summary>
    private static async Task<int> AsleepAsync(TableClient instances, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var n = 0;
        await foreach (var row in instances.QueryAsync<TableEntity>(select: ["PartitionKey", "RuntimeStatus", "Input"], cancellationToken: ct))
        {
            if (wanted.Contains(row.PartitionKey) && row.GetString("RuntimeStatus") == "Running" && HasWakeAt(row.GetString("Input")))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>The workflow's input (<see cref="EnrollmentWorkflowInput"/>, JSON) has a wake-up time.</summary>
    private static bool HasWakeAt(string? input)
    {
        if (string.IsNullOrEmpty(input))
        {
            return false;
        }

        using var doc = JsonDocument.Parse(input);
        var json = doc.RootElement;
        if (json.ValueKind == JsonValueKind.String)
        {
            return HasWakeAt(json.GetString());
        }

        return json.ValueKind == JsonValueKind.Object
            && json.EnumerateObject().Any(p => p.Name.Equals(nameof(EnrollmentWorkflowInput.WakeAt), StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind != JsonValueKind.Null);
    }

    private static async Task<(string SequenceId, List<string> Ids)> EnrollAsync(Api api, CancellationToken ct)
    {
        await api.PutUserAsync("u0", ct);
        await api.PutContactsAsync("r", Enrollments, 16, ct);
        var sequenceId = await api.CreateSequenceAsync("Restart", ["PT0S", $"PT{Step2Delay.TotalSeconds:0}S"], ct);
        var ids = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Enrollments), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
            ids.Add((await api.EnrollAsync(sequenceId, $"r{i}", "u0", token)).Id));
        return (sequenceId, [.. ids]);
    }
}

internal sealed record LogCounts(int Warnings, int Errors, IReadOnlyList<string> Samples)
{
    public LogCounts Plus(LogCounts other) => new(Warnings + other.Warnings, Errors + other.Errors, [.. Samples, .. other.Samples]);

    public override string ToString() => $"{Warnings} warn, {Errors} err";
}

/// <summary>The in-process app's log (Warning and above): to a file, counted, with each category's first message kept.</summary>
internal sealed class LogCounter(string path) : ILoggerProvider
{
    private const int MaxSamples = 8;
    private readonly StreamWriter _file = new(path) { AutoFlush = true };
    private readonly Dictionary<string, (int Count, string First)> _byCategory = new(StringComparer.Ordinal);
    private int _warnings;
    private int _errors;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public LogCounts Counts()
    {
        lock (_file)
        {
            return new LogCounts(_warnings, _errors, Samples(_byCategory));
        }
    }

    /// <summary>Counts the console formatter's entries of a child process's log ("warn: Category[id]", then the message on the next line).</summary>
    public static LogCounts CountFile(string path)
    {
        var lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        var entries = lines.Select((line, i) => (Header: line, Message: i + 1 < lines.Length ? lines[i + 1].Trim() : ""))
            .Where(e => e.Header.StartsWith("warn:", StringComparison.Ordinal) || e.Header.StartsWith("fail:", StringComparison.Ordinal) || e.Header.StartsWith("crit:", StringComparison.Ordinal))
            .ToList();
        var byCategory = entries.GroupBy(e => e.Header, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (g.Count(), g.First().Message), StringComparer.Ordinal);
        var warnings = entries.Count(e => e.Header.StartsWith("warn:", StringComparison.Ordinal));
        return new LogCounts(warnings, entries.Count - warnings, Samples(byCategory));
    }

    private static List<string> Samples(Dictionary<string, (int Count, string First)> byCategory) =>
        [.. byCategory.OrderByDescending(kv => kv.Value.Count).Take(MaxSamples).Select(kv => Shorten($"{kv.Value.Count} x {kv.Key} {kv.Value.First}"))];

    private static string Shorten(string message) => message.Length > 220 ? message[..220] + "…" : message;

    public void Dispose()
    {
        lock (_file)
        {
            _file.Dispose();
        }
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {level} {category}: {message}";
        lock (_file)
        {
            if (level >= LogLevel.Error)
            {
                _errors++;
            }
            else
            {
                _warnings++;
            }

            var key = $"{level} {category}:";
            _byCategory[key] = _byCategory.TryGetValue(key, out var seen) ? (seen.Count + 1, seen.First) : (1, message);
            _file.WriteLine(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
        }
    }

    private sealed class Logger(LogCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}

/// <summary>CPU used over a phase, in cores (CPU seconds / wall seconds): this process, Azurite, and everything else on the machine.</summary>
internal sealed record CpuCores(double App, double Azurite, double? Others);

internal sealed class CpuMeter
{
    private readonly int _azuritePid;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly (TimeSpan App, TimeSpan Azurite, double? Machine) _at;

    private CpuMeter(int azuritePid)
    {
        _azuritePid = azuritePid;
        _at = Sample();
    }

    public static CpuMeter Start(int azuritePid) => new(azuritePid);

    public CpuCores Cores()
    {
        var now = Sample();
        var wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        var app = (now.App - _at.App).TotalSeconds / wall;
        var azurite = (now.Azurite - _at.Azurite).TotalSeconds / wall;
        return new CpuCores(app, azurite, now.Machine - _at.Machine is { } machine ? machine / wall - app - azurite : null);
    }

    private (TimeSpan App, TimeSpan Azurite, double? Machine) Sample()
    {
        using var self = Process.GetCurrentProcess();
        using var azurite = Process.GetProcessById(_azuritePid);
        return (self.TotalProcessorTime, azurite.TotalProcessorTime, MachineBusySeconds());
    }

    /// <summary>Busy CPU seconds of the whole machine since boot (Linux /proc/stat, in USER_HZ = 1/100 s); null elsewhere.</summary>
    private static double? MachineBusySeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToList();
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        return (fields.Take(8).Sum() - fields[3] - fields[4]) / 100.0;
    }
}

/// <summary>The process's peak working set, sampled every 100 ms (the current working set, not the process-lifetime peak, so columns do not carry over).</summary>
internal sealed class PeakMemory : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _peak;

    private PeakMemory() => _sampler = Task.Run(SampleAsync);

    public static PeakMemory Start() => new();

    public double PeakMegabytes => Interlocked.Read(ref _peak) / 1024.0 / 1024.0;

    private async Task SampleAsync()
    {
        using var process = Process.GetCurrentProcess();
        while (!_stop.IsCancellationRequested)
        {
            process.Refresh();
            Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), process.WorkingSet64));
            await Task.Delay(100, CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _sampler.Wait();
        _stop.Dispose();
    }
}

/// <summary>
/// Azurite's raw rate for the simple operations the engine is made of: 16 concurrent clients, each
/// looping on one operation for the given time; "mixed" is the harmonic mean of table upserts and
/// queue operations (send + receive + delete on a shallow queue, 3 operations), 50/50.
/// </summary>
internal static class RawStorage
{
    public const string Workload = "16 concurrent clients; harmonic 50/50 mix of table upserts and queue send+receive+delete (3 ops each)";

    public sealed record Result(IReadOnlyList<(string Name, double Rate)> Rates, double MixedOpsPerSecond);

    public static async Task<Result> MeasureAsync(string connectionString, TimeSpan each, CancellationToken ct, string name = "rawbench")
    {
        var table = new TableClient(connectionString, name);
        await table.CreateIfNotExistsAsync(ct);
        var queue = new QueueClient(connectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync(cancellationToken: ct);
        var rates = new List<(string, double)>
        {
            ("table upsert", await RateAsync(each, async i => await table.UpsertEntityAsync(new TableEntity($"p{i % 64}", $"r{i}") { ["V"] = "x" }, cancellationToken: ct))),
            ("table point read", await RateAsync(each, async i => await table.GetEntityIfExistsAsync<TableEntity>($"p{i % 64}", $"r{i % 1000}", cancellationToken: ct))),
            // Send, receive and delete on a queue kept shallow (receives on Azurite slow down with queue depth).
            ("queue send+receive+delete", await RateAsync(each, async _ =>
            {
                await queue.SendMessageAsync("{\"type\":\"step\"}", ct);
                var m = (await queue.ReceiveMessagesAsync(1, cancellationToken: ct)).Value;
                if (m.Length > 0)
                {
                    await queue.DeleteMessageAsync(m[0].MessageId, m[0].PopReceipt, ct);
                }
            }, opsPerCall: 3)),
        };
        var mixed = 1 / (0.5 / rates[0].Item2 + 0.5 / rates[2].Item2);
        return new Result(rates, mixed);
    }

    private static async Task<double> RateAsync(TimeSpan duration, Func<long, Task> op, int opsPerCall = 1)
    {
        long count = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (sw.Elapsed < duration)
            {
                await op(Interlocked.Increment(ref count));
            }
        }));
        return count * opsPerCall / sw.Elapsed.TotalSeconds;
    }
}

internal static class Report
{
    private const int LabelWidth = 50;
    private const int ValueWidth = 16;

    public static void PrintHeader(BenchmarkOptions o, IReadOnlyList<Column> columns)
    {
        Console.WriteLine($"Sequences benchmark: burst {o.Contacts} contacts x 3 email steps (delays {o.Delay}, {o.Senders} senders, dailySendLimit 100000) "
            + $"while {o.Background} enrollments sleep on P3D timers; steady {o.SteadySeconds} s; idle {o.IdleMinutes} min; restart after kill -9; pickup transport");
        Console.WriteLine($"{Environment.ProcessorCount} cores. Each column: a fresh in-memory Azurite, its own Storage:Prefix (task hub); the app in this process, except the restart test.");
        foreach (var c in columns)
        {
            var s = c.Effective();
            Console.WriteLine($"  {c.Title,-12} maxConcurrentActivity {s.MaxConcurrentTaskActivityWorkItems}, maxConcurrentOrchestrator {s.MaxConcurrentTaskOrchestrationWorkItems}, "
                + $"partitions {s.PartitionCount}, maxQueuePollingInterval {s.MaxQueuePollingInterval:c}, visibility control/work item {s.ControlQueueVisibilityTimeout:c}/{s.WorkItemQueueVisibilityTimeout:c}, "
                + $"tablePartitionManagement {s.UseTablePartitionManagement}");
        }

        if (columns.Any(c => c.Key == "default"))
        {
            Console.WriteLine("  (A overrides every durableTask key host.json sets; useTablePartitionManagement true is the Durable Functions 3.x default. Keys host.json does not set are the provider's defaults in both columns.)");
        }
    }

    public static void PrintColumn(ColumnResult r, BenchmarkOptions o)
    {
        Console.WriteLine($"-- {r.Column.Title}: Azurite raw rates ({RawStorage.Workload})");
        foreach (var ((name, rate), loaded) in (r.Raw?.Rates ?? []).Zip(r.RawLoaded?.Rates.Select(x => (double?)x.Rate) ?? Enumerable.Repeat((double?)null, 3)))
        {
            Console.WriteLine($"  {name,-28} {rate,8:0} ops/s   (hub loaded, before the burst: {loaded:0} ops/s)");
        }

        var steps = o.Contacts * 3.0;
        Console.WriteLine($"-- {r.Column.Title}: burst storage requests by activity");
        foreach (var (activity, n) in r.BurstByActivity.OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine($"  {activity,-36} {n,8}  ({n / steps:0.00} per step)");
        }

        Console.WriteLine($"-- {r.Column.Title}: burst storage requests by operation");
        foreach (var (op, n) in r.BurstByOperation.OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine($"  {op,-36} {n,8}  ({n / steps:0.00} per step)");
        }

        Console.WriteLine($"-- {r.Column.Title}: idle storage requests by operation ({o.IdleMinutes} min)");
        foreach (var (op, n) in r.IdleByOperation.OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine($"  {op,-36} {n,8}");
        }

        if (r.Burst is { } b)
        {
            Console.WriteLine($"-- {r.Column.Title}: burst timelines: {b.Enrollments} enrollments, {b.Emails} emailSent events, {b.DuplicateSends} duplicate sends");
        }

        if (r.Restart is { } x)
        {
            Console.WriteLine($"-- {r.Column.Title}: restart: {x.AsleepAtKill}/{x.Enrollments} asleep at the kill, {x.SentBeforeKill} step-2 emails before it, "
                + $"{x.Step2Files} after the restart; {x.EmailFiles} email files, {x.TimelineEmails} emailSent events, {x.DuplicateSends} duplicate sends");
        }

        Console.WriteLine($"-- {r.Column.Title}: log entries (Warning and above; app.log, restart-1.log, restart-2.log in the work folder)");
        foreach (var sample in r.Logs.Samples)
        {
            Console.WriteLine($"  in-process: {sample}");
        }

        foreach (var sample in r.Restart?.Logs.Samples ?? [])
        {
            Console.WriteLine($"  restart:    {sample}");
        }

        foreach (var note in r.Notes)
        {
            Console.WriteLine($"  NOTE: {note}");
        }
    }

    private sealed record Row(string Label, Func<ColumnResult, double?> Value, string Format, string Target = "", Func<double, bool>? Met = null);

    public static void PrintTable(IReadOnlyList<ColumnResult> results, BenchmarkOptions o)
    {
        Row[] rows =
        [
            new("setup: workflows asleep on P3D timers", r => r.Sleepers, "0"),
            new("setup: time to enroll them and let them sleep (s)", r => r.SleepersSetupSeconds, "0"),
            new("Azurite raw mixed rate (ops/s)", r => r.Raw?.MixedOpsPerSecond, "0"),
            new("  same, hub loaded, just before the burst", r => r.RawLoaded?.MixedOpsPerSecond, "0"),
            new("burst: wall time to last email (s)", r => r.BurstSeconds, "0.0"),
            new("burst: steps/s (wall)", r => r.StepsPerSecondWall, "0.0"),
            new($"burst: steps/s (busy: wall - 2 x {o.DelaySpan.TotalSeconds:0} s)", r => r.StepsPerSecondBusy, "0.0"),
            new("burst: storage requests / email step (all)", r => r.RequestsPerStep, "0.00", "<= 18", v => v <= 18),
            new("burst: of which durable / email step", r => r.DurableRequestsPerStep, "0.00"),
            new("burst: storage-bound ceiling (steps/s)", r => r.Ceiling, "0.0"),
            new("burst: share of ceiling (busy steps/s)", r => 100 * r.ShareOfCeiling, "0'%'", ">= 75%", v => v >= 75),
            new("  same, of the loaded raw rate's ceiling", r => 100 * r.ShareOfLoadedCeiling, "0'%'"),
            new("burst: enroll API call p50 (ms)", r => r.BurstEnrollCallP50, "0"),
            new("burst: enroll API call p99 (ms)", r => r.BurstEnrollCallP99, "0"),
            new("burst: CPU cores used, app + benchmark", r => r.BurstCpu?.App, "0.00"),
            new("burst: CPU cores used, Azurite", r => r.BurstCpu?.Azurite, "0.00"),
            new("burst: CPU cores used, other processes", r => r.BurstCpu?.Others, "0.00"),
            new("burst: enroll -> first email p50 (ms)", r => r.Burst?.FirstP50, "0"),
            new("burst: enroll -> first email p99 (ms)", r => r.Burst?.FirstP99, "0"),
            new("burst: timer lateness p50 (ms, queueing)", r => r.Burst?.LateP50, "0"),
            new("burst: timer lateness p99 (ms, queueing)", r => r.Burst?.LateP99, "0"),
            new("burst: duplicate sends (timelines)", r => r.Burst?.DuplicateSends, "0"),
            new("steady: enrollments/s (= burst busy / 6)", r => r.SteadyEnrollmentsPerSecond, "0.0"),
            new("steady: enroll -> first email p50 (ms)", r => r.Steady?.FirstP50, "0", "<= 1000", v => v <= 1000),
            new("steady: enroll -> first email p99 (ms)", r => r.Steady?.FirstP99, "0"),
            new("steady: timer lateness p50 (ms)", r => r.Steady?.LateP50, "0"),
            new("steady: timer lateness p99 (ms)", r => r.Steady?.LateP99, "0", "<= 2000", v => v <= 2000),
            new("idle: storage requests / hour (all)", r => r.IdleRequestsPerHour, "0", "<= 6000", v => v <= 6000),
            new("idle: of which durable / hour", r => r.IdleDurablePerHour, "0"),
            new($"idle: first timer after {o.IdleMinutes} min, lateness (ms)", r => r.IdleTimerLatenessMs, "0", "<= 5000", v => v <= 5000),
            new("idle: enroll -> first email after idle (ms)", r => r.AfterIdleFirstEmailMs, "0"),
            new("restart: workflows asleep at kill -9 (of 100)", r => r.Restart?.AsleepAtKill, "0"),
            new("restart: step-2 emails sent before the kill", r => r.Restart?.SentBeforeKill, "0"),
            new("restart: kill -9 -> restart (s)", r => r.Restart?.KillToRestartSeconds, "0.0"),
            new("restart: restart -> app answers HTTP (s)", r => r.Restart?.ReadySeconds, "0.0"),
            new("restart: restart -> first overdue step (s)", r => r.Restart?.FirstOverdueSeconds, "0.0"),
            new("restart: restart -> last overdue step (s)", r => r.Restart?.LastOverdueSeconds, "0.0", "<= 60", v => v <= 60),
            new("restart: emails (files; expected 200)", r => r.Restart?.EmailFiles, "0"),
            new("restart: emailSent events (expected 200)", r => r.Restart?.TimelineEmails, "0"),
            new("restart: duplicate sends (timelines)", r => r.Restart?.DuplicateSends, "0", "0", v => v == 0),
            new("peak working set, app + benchmark (MB)", r => r.PeakWorkingSetMb, "0", "<= 250", v => v <= 250),
            new("log warnings (app + restart processes)", r => r.Logs.Warnings + r.Restart?.Logs.Warnings, "0"),
            new("log errors (app + restart processes)", r => r.Logs.Errors + r.Restart?.Logs.Errors, "0"),
        ];

        var shipped = results.FirstOrDefault(r => r.Column.Key == "shipped");
        Console.WriteLine();
        Console.WriteLine("== Results" + (shipped is null ? "" : "   (targets apply to the shipped settings, B)"));
        Console.WriteLine($"{"",-LabelWidth} {string.Concat(results.Select(r => $"{r.Column.Title,ValueWidth}"))}  {"target",-9} {"B",-7}");
        foreach (var row in rows)
        {
            var values = string.Concat(results.Select(r => $"{Format(row.Value(r), row.Format),ValueWidth}"));
            var verdict = shipped is not null && row.Met is not null && row.Value(shipped) is { } v && !double.IsNaN(v) ? (row.Met(v) ? "met" : "NOT met") : "";
            Console.WriteLine($"{row.Label,-LabelWidth} {values}  {row.Target,-9} {verdict,-7}");
        }

        Console.WriteLine();
        Console.WriteLine($"Raw rate: {RawStorage.Workload}, on the column's own Azurite before its app starts (and again, on a new table and queue, once the sleeping workflows are in place). "
            + "Ceiling = raw mixed rate / requests per step; share = busy steps/s / ceiling.");
        Console.WriteLine("Requests per step count everything during the burst (enrollment API, workflows, polling of the sleeping hub) / email steps. Burst lateness is queueing.");
        Console.WriteLine("Timer lateness = sent - (previous send + delay); the workflow asks its timer for 1 s more than the due time (durable timers may fire up to 1 s early).");
        Console.WriteLine("Idle after-idle enrollment: made once the pollers backed off again after the idle timer's run (2 x maxQueuePollingInterval + 5 s).");
        Console.WriteLine($"CPU: over the burst (first enrollment to last email), CPU seconds / wall seconds, of {Environment.ProcessorCount} cores; other processes = machine (/proc/stat) - app - Azurite.");
        Console.WriteLine("Peak working set: this process (app + benchmark), sampled every 100 ms through the column's in-process phases; Azurite is a separate process.");
    }

    private static string Format(double? value, string format) => value is { } v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
