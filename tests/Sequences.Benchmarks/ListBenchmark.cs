using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Sequences.Functions.Hosting.Standalone;
using Sequences.Storage.Local;

/// <summary>
/// <c>lists [--contacts 50000] [--sequences 100] [--enrollments 10000] [--samples 200]</c>: the
/// indexes behind the lists and search (README, "Lists"), measured on a fresh in-memory Azurite:
/// seeds contacts, sequences and one big sequence's enrollments through the API, then times each
/// list (pages walked with their cursors) and contact search with random prefixes; prints p50/p95.
/// </summary>
internal static class ListBenchmark
{
    private static readonly string[] First = ["Ann", "Bea", "Carl", "Dora", "Emil", "Fritz", "Greta", "Hans", "Ines", "Jürgen", "Karl", "Lena", "Max", "Nora", "Otto", "Paula", "Quentin", "Rita", "Sven", "Tanja", "Uwe", "Vera", "Walter", "Xenia", "Yusuf", "Zoë"];
    private static readonly string[] Last = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Lehmann", "Köhler", "Ortiz", "García", "Nguyễn", "O'Brien", "Łukasz"];
    private static readonly string[] Companies = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Soylent", "Müllerei", "Öko Bau", "Café Crème", "Nordwind", "Südhang"];

    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var contacts = int.Parse(Arg("--contacts", "50000"), CultureInfo.InvariantCulture);
        var sequences = int.Parse(Arg("--sequences", "100"), CultureInfo.InvariantCulture);
        var enrollments = int.Parse(Arg("--enrollments", "10000"), CultureInfo.InvariantCulture);
        var samples = int.Parse(Arg("--samples", "200"), CultureInfo.InvariantCulture);
        var ct = CancellationToken.None;

        await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { InMemory = true }, Console.WriteLine, ct);
        var url = $"http://127.0.0.1:{NodeServerProcess.FreePorts(1)[0]}";
        var app = await StandaloneHost.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["urls"] = url,
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["Storage:Prefix"] = "lists",
                ["Email:PickupDirectory"] = Directory.CreateTempSubdirectory("sequences-lists-").FullName,
                // The lists are measured, not the engine: no step runs.
                ["Hosting:LocalTriggers"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }, cancellationToken: ct);
        await app.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };

        var clock = Stopwatch.StartNew();
        for (var u = 0; u < 10; u++)
        {
            (await http.PutAsJsonAsync($"/api/users/u{u}", new { email = $"u{u}@acme.test", name = $"Rep {u}", dailySendLimit = 100_000 }, ct)).EnsureSuccessStatusCode();
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, contacts), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
            (await http.PutAsJsonAsync($"/api/contacts/p{i:D6}", new
            {
                email = $"p{i}@buyer{i % 997}.test",
                firstName = First[i % First.Length],
                lastName = Last[i / First.Length % Last.Length],
                company = $"{Companies[i % Companies.Length]} {i % 1000}",
                properties = new { industry = i % 2 == 0 ? "rail" : "retail" },
            }, token)).EnsureSuccessStatusCode());
        Console.WriteLine($"  {contacts} contacts in {clock.Elapsed.TotalSeconds:0} s");

        var ids = new List<string>();
        for (var s = 0; s < sequences; s++)
        {
            using var created = await http.PostAsJsonAsync("/api/sequences", new
            {
                name = $"Sequence {s}", ownerUserId = "u0", sharedWithEveryone = true, settings = new { businessDaysOnly = false },
                steps = new[] { new { type = "automatedEmail", delay = "P3D", subject = "Hi", body = "Hello {{ contact.firstName }}" } },
            }, ct);
            ids.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!);
        }

        clock.Restart();
        var big = ids[0];
        await Parallel.ForEachAsync(Enumerable.Range(0, enrollments / 50), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (b, token) =>
            (await http.PostAsJsonAsync($"/api/sequences/{big}/enrollments/batch", new
            {
                senderUserId = $"u{b % 10}",
                contacts = Enumerable.Range(b * 50, 50).Select(i => new { contactId = $"p{i:D6}" }),
            }, token)).EnsureSuccessStatusCode());
        Console.WriteLine($"  {enrollments} enrollments in one sequence in {clock.Elapsed.TotalSeconds:0} s");

        // Stats once, so the sequences list has figures to show.
        (await http.GetAsync($"/api/sequences/{big}/stats", ct)).EnsureSuccessStatusCode();

        var random = new Random(7);
        var prefixes = First.Concat(Last).Concat(Companies).Select(n => n[..Math.Min(n.Length, 1 + random.Next(3))]).ToList();
        var lists = new (string Name, Func<int, string> Path, bool Walk)[]
        {
            ("contacts search (1–3 letter prefix)", i => $"/api/contacts?search={Uri.EscapeDataString(prefixes[i % prefixes.Count])}", false),
            ("contacts, page after page", _ => "/api/contacts?limit=50", true),
            ("sequences, page after page", _ => "/api/sequences?limit=50", true),
            ("enrollments of the big sequence, status=active, page after page", _ => $"/api/sequences/{big}/enrollments?status=active&limit=50", true),
            ("enrollments of the big sequence, sender u3", _ => $"/api/sequences/{big}/enrollments?senderUserId=u3&limit=50", true),
            ("scheduled of a sender (next 30 days)", _ => "/api/scheduled?userId=u3&to=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(30).ToString("O")), true),
            ("users", _ => "/api/users", false),
        };
        Console.WriteLine();
        Console.WriteLine($"| list ({contacts} contacts, {sequences} sequences, {enrollments} enrollments in one) | requests | p50 ms | p95 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, path, walk) in lists)
        {
            var times = new ConcurrentBag<double>();
            string? cursor = null;
            for (var i = 0; i < samples; i++)
            {
                var target = path(i) + (walk && cursor is not null ? $"&cursor={cursor}" : "");
                var watch = Stopwatch.StartNew();
                using var response = await http.GetAsync(target, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                times.Add(watch.Elapsed.TotalMilliseconds);
                response.EnsureSuccessStatusCode();
                cursor = walk && JsonDocument.Parse(body).RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            }

            var sorted = times.Order().ToList();
            Console.WriteLine($"| {name} | {sorted.Count} | {Pct(sorted, 50):0} | {Pct(sorted, 95):0} | {sorted[^1]:0} |");
        }

        await app.StopAsync(ct);
        await app.DisposeAsync();
        return 0;
    }

    private static double Pct(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
