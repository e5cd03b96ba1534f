using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>The OpenAPI document at /openapi.json describes every operation, and real requests and responses match it.</summary>
public class OpenApiTests
{
    [Fact]
    public async Task Every_http_function_is_described_with_closed_schemas()
    {
        Assert.NotEmpty(Sequences.Functions.Api.OpenApi.Build()["paths"]!.AsObject());
        await using var app = await StartAsync();
        var (status, doc, type) = await app.RawAsync(HttpMethod.Get, "/openapi.json", null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("application/json", type, StringComparison.Ordinal);
        var paths = JsonNode.Parse(doc.GetRawText())!["paths"]!.AsObject();

        Assert.Contains(Sequences.Functions.Api.OpenApi.Described, f => f.Name == "ListSequences");
        foreach (var f in Sequences.Functions.Api.OpenApi.Described)
        {
            var path = "/" + f.Http!.Route;
            foreach (var method in f.HttpMethods)
            {
                var op = paths[path]?[method.ToLowerInvariant()];
                Assert.True(op is not null, $"{method} {path} ({f.Name}) is not in the document");
                Assert.Equal(f.Name, op!["operationId"]!.GetValue<string>());
                Assert.NotNull(op["responses"]!["500"]!["content"]!["application/problem+json"]);
            }
        }

        // Every object schema is closed, as the API reads bodies strictly.
        // (An object reached as "…/properties" is the map of a schema's properties, not a schema.)
        var open = Objects(paths, "#/paths")
            .Where(x => x.Node.ContainsKey("properties") && !x.Node.ContainsKey("additionalProperties") && !x.At.EndsWith("/properties", StringComparison.Ordinal))
            .Select(x => x.At).ToList();
        Assert.True(open.Count == 0, "open objects: " + string.Join("\n", open));
    }

    /// <summary>A type met twice in one schema is a $ref; it must point at a place in the document (tools read it from the root), not in the schema alone.</summary>
    [Fact]
    public void Every_ref_points_at_a_place_in_the_document()
    {
        var doc = Sequences.Functions.Api.OpenApi.Build();
        var refs = Objects(doc, "#").Where(x => x.Node["$ref"] is JsonValue).Select(x => (x.At, Ref: x.Node["$ref"]!.GetValue<string>())).ToList();
        var dangling = refs.Where(r => !Resolves(doc, r.Ref)).Select(r => $"{r.At}: {r.Ref}").ToList();
        Assert.Contains(refs, r => r.Ref == "#/components/schemas/Problem");
        Assert.True(dangling.Count == 0, "refs to no place in the document:\n" + string.Join("\n", dangling));
    }

    /// <summary>Every object in a JSON tree, with its JSON pointer.</summary>
    private static IEnumerable<(string At, JsonObject Node)> Objects(JsonNode? node, string at) => node switch
    {
        JsonObject o => o.SelectMany(p => Objects(p.Value, $"{at}/{p.Key}")).Prepend((at, o)),
        JsonArray a => a.SelectMany((item, i) => Objects(item, $"{at}/{i}")),
        _ => [],
    };

    private static bool Resolves(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (var part in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)))
        {
            node = node switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return pointer.StartsWith('#') && node is not null;
    }

    /// <summary>The problems a request with an error answers are declared, with their status, on its operation.</summary>
    [Fact]
    public async Task Each_operation_declares_the_problem_codes_it_answers_with_their_status()
    {
        const string key = "a-test-key-of-16-characters-or-more";
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false", ["Api:Keys:0"] = key });
        await app.ExpectProblemAsync(HttpMethod.Get, "/api/users", null, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        app.Client.DefaultRequestHeaders.Add("X-Api-Key", key);
        await app.SeedPeopleAsync();
        await app.PutAsync("/api/contacts/mute", new { firstName = "No", lastName = "Email" });
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi {{ contact.firstName }}", "Hello"), TaskStep("call", "P1D", "Call")]);
        var enrollment = await app.EnrollAsync(seq);
        await app.PostAsync($"/api/enrollments/{enrollment}/unenroll");
        await app.EnrollAsync(seq);
        var gone = await app.CreateSequenceAsync([MailStep("P1D", "S", "b")]);
        await app.SendAsync(HttpMethod.Delete, $"/api/sequences/{gone}", expect: 202);
        var once = new Dictionary<string, string> { ["Idempotency-Key"] = "k1" };
        Assert.Equal(HttpStatusCode.Accepted, (await app.RawAsync(HttpMethod.Post, $"/api/sequences/{seq}/pause", "{}", headers: once)).Status);

        var enroll = JsonSerializer.Serialize(new { contactId = "c1", senderUserId = "u1" });
        var oneStep = JsonSerializer.Serialize(new { name = "S", ownerUserId = "u1", steps = new[] { MailStep("P1D", "S", "b") } });
        var cases = new (HttpMethod Method, string Path, string? Body, HttpStatusCode Status, string Code, Dictionary<string, string>? Headers)[]
        {
            (HttpMethod.Post, $"/api/sequences/{seq}/enrollments", enroll, HttpStatusCode.Conflict, "ALREADY_ENROLLED", null),
            (HttpMethod.Post, $"/api/sequences/{seq}/enrollments", JsonSerializer.Serialize(new { contactId = "mute", senderUserId = "u1" }), HttpStatusCode.UnprocessableEntity, "CONTACT_HAS_NO_EMAIL", null),
            (HttpMethod.Post, $"/api/sequences/{gone}/enrollments", enroll, HttpStatusCode.Conflict, "SEQUENCE_DELETED", null),
            (HttpMethod.Post, $"/api/sequences/{seq}/preview", JsonSerializer.Serialize(new { contactId = "c1", senderUserId = "ghost" }), HttpStatusCode.NotFound, "SENDER_NOT_FOUND", null),
            (HttpMethod.Put, $"/api/sequences/{seq}", oneStep, HttpStatusCode.PreconditionFailed, "PRECONDITION_FAILED", new() { ["If-Match"] = "\"9\"" }),
            (HttpMethod.Put, $"/api/sequences/{seq}", oneStep, HttpStatusCode.Conflict, "STEPS_IN_USE", null),
            (HttpMethod.Post, $"/api/enrollments/{enrollment}/pause", null, HttpStatusCode.Conflict, "ENROLLMENT_ENDED", null),
            (HttpMethod.Post, "/api/enrollments/bulk", JsonSerializer.Serialize(new { action = "pause", enrollmentIds = Enumerable.Range(0, 101).Select(i => $"e{i}") }), HttpStatusCode.BadRequest, "BATCH_TOO_LARGE", null),
            (HttpMethod.Post, "/api/workflows/enroll", JsonSerializer.Serialize(new { sequenceId = seq, contactId = "mute" }), HttpStatusCode.UnprocessableEntity, "SENDER_NOT_FOUND", null),
            (HttpMethod.Post, "/api/users/ghost/sequences/pause", null, HttpStatusCode.NotFound, "USER_NOT_FOUND", null),
            (HttpMethod.Get, "/api/automation/nope", null, HttpStatusCode.NotFound, "RULE_NOT_FOUND", null),
            (HttpMethod.Get, "/api/lists/nope/contacts?limit=0", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED", null),
            (HttpMethod.Get, "/api/lists/nope/contacts", null, HttpStatusCode.NotFound, "LIST_NOT_FOUND", null),
            (HttpMethod.Post, "/api/inbound/email", "not mime", HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", null),
            (HttpMethod.Post, "/api/inbound/eventgrid", "{", HttpStatusCode.BadRequest, "MALFORMED_JSON", null),
            (HttpMethod.Post, $"/api/sequences/{seq}/pause", "{\"other\":1}", HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", once),
            (HttpMethod.Delete, "/api/users/u1", null, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED", null),
        };
        foreach (var (method, path, body, status, code, headers) in cases)
        {
            await app.ExpectProblemAsync(method, path, body, status, code, headers);
        }

        foreach (var (method, path, _, _, _, headers) in cases.Where(c => c.Headers is not null))
        {
            var declared = OperationOf(method.Method, path)!["parameters"]!.AsArray().Where(p => (string?)p!["in"] == "header").Select(p => (string?)p!["name"]);
            Assert.All(headers!.Keys, h => Assert.Contains(h, declared));
        }

        Assert.Equal(cases.Length + 1, app.Problems.Count);
        var undeclared = Undeclared(app.Problems);
        Assert.True(undeclared.Count == 0, "answered but not declared:\n" + string.Join("\n", undeclared));
        Assert.Equal(["GET /api/users/u1: 404 SEQUENCE_NOT_FOUND", "GET /nothing: 404 USER_NOT_FOUND"],
            Undeclared([new("GET", "/api/users/u1", 404, "SEQUENCE_NOT_FOUND"), new("GET", "/api/users/u1", 404, "USER_NOT_FOUND"), new("GET", "/nothing", 404, "USER_NOT_FOUND")]));
    }

    private static readonly JsonNode Document = Sequences.Functions.Api.OpenApi.Build();

    /// <summary>The document's path templates, the most specific first (as routing prefers them).</summary>
    private static readonly IReadOnlyList<(string Path, TemplateMatcher Matcher)> Templates = Document["paths"]!.AsObject()
        .Select(p => (p.Key, Template: TemplateParser.Parse(p.Key.TrimStart('/'))))
        .OrderBy(t => RoutePrecedence.ComputeInbound(t.Template))
        .Select(t => (t.Key, new TemplateMatcher(t.Template, new RouteValueDictionary())))
        .ToList();

    /// <summary>
    /// The problems not declared, with their status, on the operation their request reached (found
    /// by its path among the document's templates); one no operation takes reached the catch-all,
    /// which answers NOT_FOUND or METHOD_NOT_ALLOWED.
    /// </summary>
    public static IReadOnlyList<string> Undeclared(IEnumerable<ObservedProblem> observed) =>
        observed.Where(p => !Declared(p)).Select(p => $"{p.Method} {p.Path}: {p.Status} {p.Code}").Distinct().ToList();

    /// <summary>The operation a request reaches (found by its path among the document's templates), or null.</summary>
    private static JsonNode? OperationOf(string method, string path) =>
        Templates.Where(t => t.Matcher.TryMatch(new PathString(path.Split('?')[0]), new RouteValueDictionary()))
            .Select(t => Document["paths"]![t.Path]![method.ToLowerInvariant()]).FirstOrDefault(o => o is not null);

    private static bool Declared(ObservedProblem p)
    {
        var op = OperationOf(p.Method, p.Path);
        if (op is null)
        {
            return p.Code is "NOT_FOUND" or "METHOD_NOT_ALLOWED";
        }

        var codes = op["responses"]?[p.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?["application/problem+json"]?["schema"]?["allOf"]?[1]?["properties"]?["code"]?["enum"];
        return codes is JsonArray declared && declared.Any(c => c!.GetValue<string>() == p.Code);
    }

    [Fact]
    public async Task Requests_and_responses_of_a_rep_s_session_match_the_document()
    {
        await using var app = await StartAsync();
        var doc = JsonNode.Parse((await app.RawAsync(HttpMethod.Get, "/openapi.json", null)).Body.GetRawText())!;
        var checkedCount = 0;

        async Task<JsonElement> Call(HttpMethod method, string route, string path, object? body, int expect)
        {
            var op = doc["paths"]![route]![method.Method.ToLowerInvariant()]!;
            if (body is not null)
            {
                Check(op["requestBody"]!["content"]!["application/json"]!["schema"]!, JsonSerializer.SerializeToNode(body, TestApp.Json), $"{method} {route} request");
            }

            var response = await app.SendAsync(method, path, body, expect);
            Check(op["responses"]![expect.ToString(System.Globalization.CultureInfo.InvariantCulture)]!["content"]!["application/json"]!["schema"]!,
                JsonNode.Parse(response.GetRawText()), $"{method} {route} response");
            checkedCount++;
            return response;
        }

        await Call(HttpMethod.Put, "/api/users/{userId}", "/api/users/u1", new { email = "rita@acme.test", name = "Rita Rep", timeZone = "Europe/Berlin" }, 200);
        await Call(HttpMethod.Put, "/api/contacts/{contactId}", "/api/contacts/c1",
            new { email = $"c1.{app.Prefix}@buyer.test", firstName = "Ann", lastName = "Buyer", company = "Buyer Inc", properties = new { industry = "rail" } }, 200);
        var seq = (await Call(HttpMethod.Post, "/api/sequences", "/api/sequences", new
        {
            name = "Intro", ownerUserId = "u1", sharedWithEveryone = true, settings = new { businessDaysOnly = false, sendWindow = new { start = "08:00", end = "18:00" } },
            steps = new object[] { MailStep("P1D", "Hi {{ contact.firstName }}", "Hello"), TaskStep("call", "P1D", "Call {{ contact.firstName }}") },
        }, 201)).GetProperty("id").GetString()!;
        await Call(HttpMethod.Post, "/api/sequences/{sequenceId}/preview", $"/api/sequences/{seq}/preview", new { contactId = "c1", senderUserId = "u1" }, 200);
        var enrollment = (await Call(HttpMethod.Post, "/api/sequences/{sequenceId}/enrollments", $"/api/sequences/{seq}/enrollments",
            new { contactId = "c1", senderUserId = "u1", emailOverrides = new Dictionary<string, object> { ["1"] = new { body = "Edited" } } }, 201)).GetProperty("id").GetString()!;
        await Call(HttpMethod.Get, "/api/enrollments/{enrollmentId}", $"/api/enrollments/{enrollment}", null, 200);
        await Call(HttpMethod.Get, "/api/sequences", "/api/sequences", null, 200);
        await Call(HttpMethod.Get, "/api/sequences/{sequenceId}/stats", $"/api/sequences/{seq}/stats", null, 200);
        await Call(HttpMethod.Get, "/api/users", "/api/users", null, 200);
        await Call(HttpMethod.Get, "/api/contacts", "/api/contacts?search=ann", null, 200);
        await Call(HttpMethod.Get, "/api/sequences/{sequenceId}/enrollments", $"/api/sequences/{seq}/enrollments?status=active", null, 200);
        await Call(HttpMethod.Get, "/api/scheduled", "/api/scheduled?userId=u1", null, 200);
        await Call(HttpMethod.Get, "/api/tasks", "/api/tasks?userId=u1", null, 200);
        await Call(HttpMethod.Post, "/api/enrollments/bulk", "/api/enrollments/bulk", new { action = "pause", enrollmentIds = new[] { enrollment, "nope" } }, 200);
        await Call(HttpMethod.Get, "/api/contact-properties", "/api/contact-properties", null, 200);
        Assert.Equal(15, checkedCount);
    }

    private static void Check(JsonNode schemaNode, JsonNode? instance, string what)
    {
        var schema = JsonSchema.FromText(schemaNode.ToJsonString());
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{what} does not match the document:\n" + string.Join("\n",
            (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}")) + "\n" + instance?.ToJsonString());
    }
}
