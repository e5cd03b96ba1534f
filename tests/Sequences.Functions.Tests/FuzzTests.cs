using System.Net.Http.Headers;
using System.Text;
using Azure.Data.Tables;
using Sequences.Functions.Hosting;
using Xunit.Abstractions;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>
/// Hostile requests across every HTTP route: malformed JSON, wrong types, huge, Unicode and
/// control-character values, unknown fields, bad ids and headers, hostile templates and addresses.
/// The rule: no 5xx ever, every 4xx is problem+json and changes nothing (tables and queues), a
/// 2xx may change only what it says. Short in CI; <c>SEQUENCES_FUZZ_REQUESTS</c> runs longer and
/// <c>SEQUENCES_FUZZ_SEED</c> repeats a run (the seed is printed).
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    /// <summary>The app's own tables (not the idempotency log, which remembers 4xx answers on purpose, nor the system keys, created on first use).</summary>
    private static readonly string[] Tables = ["Users", "Contacts", "Sequences", "Enrollments", "Tasks", "ContactIndex", "Inbound", "Automation"];

    private static readonly string[] Queues = ["inbound", "bounces", "operations"];

    [Fact]
    public async Task Hostile_requests_on_every_route_never_get_a_500_and_a_4xx_changes_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SEQUENCES_FUZZ_SEED"), out var s) ? s : Environment.TickCount & 0x7fffffff;
        var count = int.TryParse(Environment.GetEnvironmentVariable("SEQUENCES_FUZZ_REQUESTS"), out var n) ? n : 300;
        output.WriteLine($"fuzz: seed {seed}, {count} requests (SEQUENCES_FUZZ_SEED={seed} repeats this run)");
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        var seeds = 0;
        var ids = await SeedAsync(app, seeds++);
        var routes = FunctionCatalog.All
            .Where(f => f.Kind == TriggerKind.Http && !f.IsCatchAll)
            .SelectMany(f => f.HttpMethods.Select(m => (Route: f.Http!.Route!, Method: m)))
            .ToList();
        var random = new Random(seed);
        var failures = new List<string>();
        var byClass = new int[6];
        for (var i = 0; i < count; i++)
        {
            var (route, method) = routes[random.Next(routes.Count)];
            using var request = Hostile.Request(random, route, method, ids);
            var described = $"#{i} {method} {request.RequestUri} {Hostile.Describe(request)}";
            var before = await SnapshotAsync(app);
            using var response = await app.Client.SendAsync(request);
            var status = (int)response.StatusCode;
            byClass[status / 100]++;
            if (status >= 500)
            {
                failures.Add($"{described}: {status} {await response.Content.ReadAsStringAsync()}");
            }
            else if (status >= 400)
            {
                // The web server itself (Kestrel, the Functions host) refuses a path with an encoded NUL before the app: a bare 400.
                var refusedByServer = status == 400 && request.RequestUri!.OriginalString.Contains("%00", StringComparison.Ordinal) && response.Content.Headers.ContentLength == 0;
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" && !route.StartsWith("unsubscribe", StringComparison.Ordinal) && !refusedByServer)
                {
                    failures.Add($"{described}: {status} is not problem+json ({response.Content.Headers.ContentType})");
                }

                if (await SnapshotAsync(app) != before)
                {
                    failures.Add($"{described}: {status} changed stored state");
                }
            }
            else if (method == "GET" && await SnapshotAsync(app) != before)
            {
                failures.Add($"{described}: a GET changed stored state");
            }
            else if (method != "GET")
            {
                // A 2xx may have changed the seeded records (that is what it said it would do): restore them.
                ids = await SeedAsync(app, seeds++);
            }
        }

        output.WriteLine($"fuzz: {count} requests: {byClass[2]} 2xx, {byClass[4]} 4xx, {byClass[5]} 5xx, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Records every route can name: a user, a contact, a sequence, an enrollment, its task and a rule.</summary>
    private static async Task<Dictionary<string, string>> SeedAsync(TestApp app, int n)
    {
        await app.SeedPeopleAsync();
        var sequence = await app.CreateSequenceAsync([TaskStep("call", "PT0S", "Call {{ contact.firstName }}"), MailStep("P1D", "Hi", "Hello")]);
        var enrolled = $"e{n}";
        await app.PutAsync($"/api/contacts/{enrolled}", new { email = $"{enrolled}.{app.Prefix}@buyer.test", firstName = "Bo" });
        var enrollment = await app.EnrollAsync(sequence, enrolled);
        var rule = await app.PostAsync($"/api/sequences/{sequence}/automation", new
        {
            trigger = new { type = "formSubmission" },
            action = "enroll",
            sender = new { type = "user", userId = "u1" },
        }, expect: 201);
        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["userId"] = "u1",
            ["contactId"] = "c1",
            ["sequenceId"] = sequence,
            ["enrollmentId"] = enrollment,
            ["taskId"] = $"{enrollment}-1",
            ["ruleId"] = rule.GetProperty("id").GetString()!,
        };
    }

    /// <summary>Every row's key and ETag in the app's tables, and the queues' message counts.</summary>
    private static async Task<string> SnapshotAsync(TestApp app)
    {
        var text = new StringBuilder();
        foreach (var table in Tables)
        {
            var client = app.Storage.Tables.GetTableClient(app.Prefix + table);
            try
            {
                await foreach (var e in client.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
                {
                    text.Append(table).Append('|').Append(e.PartitionKey).Append('|').Append(e.RowKey).Append('|').Append(e.ETag).Append('\n');
                }
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        foreach (var queue in Queues)
        {
            var client = app.Storage.Queue(queue);
            var depth = await client.ExistsAsync() ? (await client.GetPropertiesAsync()).Value.ApproximateMessagesCount : -1;
            text.Append(queue).Append('=').Append(depth).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Hostile requests: ids, bodies, content types and headers drawn from what breaks parsers and stores.</summary>
    private static class Hostile
    {
        private static readonly string[] Ids =
        [
            "", " ", "a%2Fb", "a%5Cb", "%00", "%23", "..", "a b", new string('x', 200), "%E2%80%AE", "%F0%9F%98%80", "%C3%A9", "nope", "-1", "0",
        ];

        private static readonly string[] Scalars =
        [
            "null", "true", "0", "-1", "1e309", "12345678901234567890", "\"\"", "\"x\"", "\"10\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\u202e\"",
            "\"" + new string('a', 70_000) + "\"", "[]", "{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "\"2026-13-45T25:61:00Z\"",
            "\"P99999D\"", "\"PT-1S\"", "\"a@[127.0.0.1]\"", "\"a@b.test, c@d.test\"", "\"Ann <a@b.test>\"", "\"x\\r\\nBcc: all@victim.test\"",
            "\"{% for i in (1..100000000) %}{{ i }}{% endfor %}\"", "\"{% include 'secret' %}\"", "\"{{ x | defualt: 1 }}\"", "\"javascript:alert(1)\"",
            "\"" + string.Concat(Enumerable.Repeat("😀", 300)) + "\"",
        ];

        private static readonly string[] Fields =
        [
            "email", "name", "Email", "firstName", "properties", "steps", "ownerUserId", "contactId", "senderUserId", "tokens", "dailySendLimit",
            "delay", "type", "subject", "body", "taskTitle", "trigger", "action", "sender", "url", "formId", "contacts", "settings", "timeZone",
            "startAtStep", "sendFirstAt", "delayOverrides", "taskOverrides", "mailboxes", "sharedWithUserIds", "unknownField", "",
        ];

        private static readonly string[] Malformed =
        [
            "{", "{\"name\": ", "{name: 'x'}", "[1,2", "{\"a\":1,}", "\u0000", "{\"a\":\"\\x\"}", "{\"a\":1}{\"b\":2}", "nul", "\"unterminated", "{\"a\":01}",
        ];

        public static HttpRequestMessage Request(Random random, string route, string method, IReadOnlyDictionary<string, string> ids)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route, @"\{\*?(?<name>[A-Za-z]+)\}", m =>
                random.Next(3) == 0 ? Ids[random.Next(Ids.Length)] : ids.GetValueOrDefault(m.Groups["name"].Value, "x"));
            var request = new HttpRequestMessage(new HttpMethod(method), path + Query(random));
            if (method != "GET")
            {
                var body = random.Next(4) switch
                {
                    0 => Malformed[random.Next(Malformed.Length)],
                    1 => Scalars[random.Next(Scalars.Length)],
                    _ => Object(random, depth: 0),
                };
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.ContentType = random.Next(5) switch
                {
                    0 => new MediaTypeHeaderValue("text/plain"),
                    1 => new MediaTypeHeaderValue("message/rfc822"),
                    2 => new MediaTypeHeaderValue("application/x-www-form-urlencoded"),
                    _ => new MediaTypeHeaderValue("application/json"),
                };
            }

            if (random.Next(6) == 0)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", random.Next(3) switch { 0 => new string('k', 300), 1 => "   ", _ => "a,b;c=\"d\"" });
            }

            return request;
        }

        public static string Describe(HttpRequestMessage request)
        {
            var body = request.Content?.ReadAsStringAsync().GetAwaiter().GetResult() ?? "";
            return $"({request.Content?.Headers.ContentType?.MediaType}) {(body.Length > 200 ? body[..200] + "…" : body)}";
        }

        private static string Query(Random random) => random.Next(4) switch
        {
            0 => "?limit=abc&status=%00&userId=a%2Fb&cursor=" + new string('z', 50),
            1 => "?status=nonsense&limit=-5",
            _ => "",
        };

        private static string Object(Random random, int depth)
        {
            var fields = Enumerable.Range(0, random.Next(1, 6)).Select(_ =>
            {
                var name = Fields[random.Next(Fields.Length)];
                var value = depth < 2 && random.Next(4) == 0
                    ? random.Next(2) == 0 ? Object(random, depth + 1) : $"[{Object(random, depth + 1)}]"
                    : Scalars[random.Next(Scalars.Length)];
                return $"\"{name}\":{value}";
            });
            return "{" + string.Join(',', fields) + "}";
        }
    }
}
