using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Functions.Hosting;
using Sequences.Storage;
using Sequences.Storage.Local;

// Enrolls N contacts into a 3-step email sequence with second-scale delays against a real Azurite
// and reports throughput, storage transactions per email step, latencies, memory, and Azurite's
// raw operation rate measured in the same run.
var options = BenchmarkOptions.Parse(args);
Console.WriteLine($"Sequences benchmark: {options.Contacts} contacts x 3 email steps, {options.Senders} senders, delays {options.Delay}, look-ahead {options.LookAhead}, transport pickup");

await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { InMemory = true }, Console.WriteLine, CancellationToken.None);
var raw = await RawStorage.MeasureAsync(azurite.ConnectionString, TimeSpan.FromSeconds(options.RawSeconds));

var pickup = Path.Combine(Path.GetTempPath(), $"sequences-bench-{Guid.NewGuid():N}");
var port = NodeServerProcess.FreePorts(1)[0];
var url = $"http://127.0.0.1:{port}";
var app = await SequencesApp.BuildAsync([], builder =>
{
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["urls"] = url,
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["Storage:Prefix"] = "bench",
        ["Email:Transport"] = "pickup",
        ["Email:PickupDirectory"] = pickup,
        ["Scheduling:LookAhead"] = options.LookAhead.ToString("c", CultureInfo.InvariantCulture),
    });
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
});
await app.StartAsync();
using var http = new HttpClient { BaseAddress = new Uri(url) };
var metrics = app.Services.GetRequiredService<StorageMetrics>();

// A sales team: contacts are spread over the senders, as limits are per sender.
for (var u = 0; u < options.Senders; u++)
{
    await Expect(http.PutAsJsonAsync($"/api/users/u{u}", new { email = $"rep{u}@acme.test", name = $"Rep {u}", dailySendLimit = 100_000 }));
}

var seqResponse = await http.PostAsJsonAsync("/api/sequences", new
{
    name = "Benchmark",
    ownerUserId = "u0",
    sharedWithEveryone = true,
    settings = new { businessDaysOnly = false, threadFollowUps = true },
    steps = new object[]
    {
        new { type = "automatedEmail", delay = "PT0S", subject = "Hello {{ contact.firstName }}", body = "Hi {{ contact.firstName }}, one." },
        new { type = "automatedEmail", delay = options.Delay, body = "Two, {{ contact.firstName }}." },
        new { type = "automatedEmail", delay = options.Delay, body = "Three, {{ contact.firstName }}." },
    },
});
await EnsureOk(seqResponse);
var sequenceId = (await seqResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
await Parallel.ForEachAsync(Enumerable.Range(0, options.Contacts), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    await Expect(http.PutAsJsonAsync($"/api/contacts/c{i}", new { email = $"c{i}@buyer.test", firstName = $"N{i}" }, ct)));

// Measure from here: enrollments and everything the engine does for them.
GC.Collect();
metrics.Reset();
var enrolledAt = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();
var enrollmentIds = new System.Collections.Concurrent.ConcurrentBag<string>();
var peak = new PeakMemory();
var clock = Stopwatch.StartNew();
var start = DateTimeOffset.UtcNow;
await Parallel.ForEachAsync(Enumerable.Range(0, options.Contacts), new ParallelOptions { MaxDegreeOfParallelism = options.EnrollConcurrency }, async (i, ct) =>
{
    var requested = DateTimeOffset.UtcNow;
    var response = await http.PostAsJsonAsync($"/api/sequences/{sequenceId}/enrollments", new { contactId = $"c{i}", senderUserId = $"u{i % options.Senders}" }, ct);
    await EnsureOk(response);
    var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
    enrolledAt[id] = requested;
    enrollmentIds.Add(id);
});
var enrollSeconds = clock.Elapsed.TotalSeconds;

var expected = options.Contacts * 3;
while (Directory.Exists(pickup) ? Directory.EnumerateFiles(pickup, "*.eml").Count() < expected : true)
{
    peak.Sample();
    if (clock.Elapsed > TimeSpan.FromMinutes(20))
    {
        throw new TimeoutException("The benchmark did not finish within 20 minutes.");
    }

    await Task.Delay(50);
}

var elapsed = clock.Elapsed;
peak.Sample();
var totalTransactions = metrics.Total;
// Let in-flight completions (the final state writes) land, then count what they cost too.
await Task.Delay(2000);
var settledTransactions = metrics.Total;
var breakdown = metrics.Snapshot();
var byActivity = metrics.ByActivity();
var engineTransactions = byActivity.GetValueOrDefault("step") + byActivity.GetValueOrDefault("dispatcher");

// Read the timelines (not counted) to compute latencies.
var store = app.Services.GetRequiredService<IEnrollmentStore>();
var firstLatency = new List<double>();
var lateness = new List<double>();
var delay = Sequences.Core.Model.StepDelay.Parse(options.Delay).Approximate;
foreach (var id in enrollmentIds)
{
    var e = (await store.GetAsync(sequenceId, id, default))!.Value;
    var sent = e.Events.Where(x => x.Type == EventTypes.EmailSent).OrderBy(x => x.Step).ToList();
    if (sent.Count == 0)
    {
        continue;
    }

    firstLatency.Add((sent[0].At - enrolledAt[id]).TotalMilliseconds);
    for (var k = 1; k < sent.Count; k++)
    {
        lateness.Add((sent[k].At - (sent[k - 1].At + delay)).TotalMilliseconds);
    }
}

var steps = expected;
var perStep = (double)settledTransactions / steps;
var stepsPerSecond = steps / elapsed.TotalSeconds;
// Busy-time throughput: what the engine does while it has due work, i.e. excluding the delays it must wait.
var idle = delay.TotalSeconds * 2;
var busySeconds = Math.Max(elapsed.TotalSeconds - idle, 0.001);
var ceiling = raw.MixedOpsPerSecond / perStep;

Console.WriteLine();
Console.WriteLine("== Azurite raw operation rate (same run, 16 concurrent clients)");
foreach (var (name, rate) in raw.Rates)
{
    Console.WriteLine($"  {name,-28} {rate,8:0} ops/s");
}

Console.WriteLine($"  {"mixed (as the engine uses)",-28} {raw.MixedOpsPerSecond,8:0} ops/s");
Console.WriteLine();
Console.WriteLine("== Engine");
Console.WriteLine($"  email steps executed          {steps}");
Console.WriteLine($"  enroll phase                  {enrollSeconds:0.0} s for {options.Contacts} enrollments ({options.Contacts / enrollSeconds:0} /s)");
Console.WriteLine($"  wall time to last email       {elapsed.TotalSeconds:0.0} s (includes 2 x {delay.TotalSeconds:0}s of delays)");
Console.WriteLine($"  steps/second (wall)           {stepsPerSecond:0.0}");
Console.WriteLine($"  steps/second (busy time)      {steps / busySeconds:0.0}");
Console.WriteLine($"  storage transactions / step   {(double)engineTransactions / steps:0.00}  running steps (work queue + dispatcher, {engineTransactions} requests)");
Console.WriteLine($"                                {perStep:0.00}  everything, enrollment API included ({settledTransactions} requests; {byActivity.GetValueOrDefault("api")} by the API = {(double)byActivity.GetValueOrDefault("api") / options.Contacts:0.0} per enrollment)");
Console.WriteLine($"  storage-bound ceiling         {ceiling:0.0} steps/s (mixed raw rate / transactions per step)");
Console.WriteLine($"  share of ceiling (busy time)  {100 * (steps / busySeconds) / ceiling:0}%");
Console.WriteLine($"  enroll -> first email         p50 {Percentile(firstLatency, 50):0} ms, p99 {Percentile(firstLatency, 99):0} ms");
Console.WriteLine($"  timer lateness                p50 {Percentile(lateness, 50):0} ms, p99 {Percentile(lateness, 99):0} ms");
Console.WriteLine($"  peak working set (app+bench)  {peak.PeakMegabytes:0} MB");
Console.WriteLine();
Console.WriteLine("== Storage requests by activity and operation");
foreach (var (activity, n) in byActivity.OrderByDescending(kv => kv.Value))
{
    Console.WriteLine($"  {activity,-28} {n,8}  ({(double)n / steps:0.00} per step)");
}

foreach (var (op, n) in breakdown.OrderByDescending(kv => kv.Value))
{
    Console.WriteLine($"  {op,-28} {n,8}  ({(double)n / steps:0.00} per step)");
}

await app.StopAsync();
await app.DisposeAsync();
try
{
    Directory.Delete(pickup, recursive: true);
}
catch (IOException)
{
}

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    var sorted = values.Order().ToList();
    var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
    return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
}

static async Task Expect(Task<HttpResponseMessage> call) => await EnsureOk(await call);

static async Task EnsureOk(HttpResponseMessage response)
{
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

internal sealed record BenchmarkOptions(int Contacts, string Delay, TimeSpan LookAhead, int EnrollConcurrency, int RawSeconds, int Senders)
{
    public static BenchmarkOptions Parse(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var lookAhead = Arg("--look-ahead") is { } la ? Sequences.Core.Model.StepDelay.Parse(la).Approximate : TimeSpan.FromSeconds(1);
        return new BenchmarkOptions(
            int.Parse(Arg("--contacts") ?? "500", CultureInfo.InvariantCulture),
            Arg("--delay") ?? "PT3S",
            lookAhead,
            int.Parse(Arg("--enroll-concurrency") ?? "8", CultureInfo.InvariantCulture),
            int.Parse(Arg("--raw-seconds") ?? "5", CultureInfo.InvariantCulture),
            int.Parse(Arg("--senders") ?? "10", CultureInfo.InvariantCulture));
    }
}

internal sealed class PeakMemory
{
    private long _peak;

    public void Sample()
    {
        using var p = Process.GetCurrentProcess();
        _peak = Math.Max(_peak, Math.Max(p.WorkingSet64, p.PeakWorkingSet64));
    }

    public double PeakMegabytes => _peak / 1024.0 / 1024.0;
}

/// <summary>Azurite's raw rate for the simple operations the engine is made of.</summary>
internal static class RawStorage
{
    public sealed record Result(IReadOnlyList<(string Name, double Rate)> Rates, double MixedOpsPerSecond);

    public static async Task<Result> MeasureAsync(string connectionString, TimeSpan each)
    {
        var table = new TableClient(connectionString, "rawbench");
        await table.CreateIfNotExistsAsync();
        var queue = new QueueClient(connectionString, "rawbench", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        var rates = new List<(string, double)>
        {
            ("table upsert", await RateAsync(each, async i => await table.UpsertEntityAsync(new TableEntity($"p{i % 64}", $"r{i}") { ["V"] = "x" }))),
            ("table point read", await RateAsync(each, async i => await table.GetEntityIfExistsAsync<TableEntity>($"p{i % 64}", $"r{i % 1000}"))),
            // Send, receive and delete on a queue kept shallow, as the engine keeps it (receives
            // on Azurite slow down with queue depth, which the engine avoids by design).
            ("queue send+receive+delete", await RateAsync(each, async _ =>
            {
                await queue.SendMessageAsync("{\"type\":\"step\"}");
                var m = (await queue.ReceiveMessagesAsync(1)).Value;
                if (m.Length > 0)
                {
                    await queue.DeleteMessageAsync(m[0].MessageId, m[0].PopReceipt);
                }
            }, opsPerCall: 3)),
        };
        // The engine's requests per step are about half table writes and half queue operations.
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
