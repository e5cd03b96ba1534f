using System.Net;
using System.Text.Json;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Bad input gets a clear problem+json with a stable code, never a 500, and changes nothing.</summary>
public class ApiErrorTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        await _app.SeedPeopleAsync();
    }

    /// <summary>Every problem answered was declared for its operation in the OpenAPI document.</summary>
    public async Task DisposeAsync()
    {
        await using (_app)
        {
            Assert.Empty(OpenApiTests.Undeclared(_app.Problems));
        }
    }

    [Theory]
    [InlineData("{\"name\": ")]
    [InlineData("{name: 'x'}")]
    [InlineData("[1,2")]
    [InlineData("{\"name\":\"x\",}")]
    public async Task Malformed_json_is_a_400_with_line_and_position(string body)
    {
        var problem = await _app.ExpectProblemAsync(HttpMethod.Post, "/api/sequences", body, HttpStatusCode.BadRequest, "MALFORMED_JSON");
        Assert.Contains("line 1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_body_and_a_wrong_content_type_are_refused_clearly()
    {
        var (status, json, _) = await _app.RawAsync(HttpMethod.Put, "/api/users/u9", null);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("VALIDATION_FAILED", json.GetProperty("code").GetString());
        var (status2, json2, _) = await _app.RawAsync(HttpMethod.Put, "/api/users/u9", "email=a", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status2);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", json2.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Unknown_fields_and_wrong_types_name_the_field()
    {
        var unknown = await _app.ExpectProblemAsync(HttpMethod.Put, "/api/users/u9", "{\"email\":\"a@b.test\",\"name\":\"A\",\"dailyLimit\":5}", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(unknown.GetProperty("errors").TryGetProperty("dailyLimit", out _), unknown.ToString());
        var wrongType = await _app.ExpectProblemAsync(HttpMethod.Put, "/api/users/u9", "{\"email\":\"a@b.test\",\"name\":\"A\",\"dailySendLimit\":\"lots\"}", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("integer", wrongType.GetProperty("errors").GetProperty("dailySendLimit")[0].GetString(), StringComparison.Ordinal);
        await _app.ExpectProblemAsync(HttpMethod.Get, "/api/users/u9", null, HttpStatusCode.NotFound, "USER_NOT_FOUND");
    }

    [Fact]
    public async Task An_invalid_duration_is_a_field_error_and_creates_no_sequence()
    {
        var body = JsonSerializer.Serialize(new { name = "S", ownerUserId = "u1", steps = new[] { new { type = "automatedEmail", delay = "3 days", subject = "s", body = "b" } } });
        var problem = await _app.ExpectProblemAsync(HttpMethod.Post, "/api/sequences", body, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("ISO-8601", problem.GetProperty("errors").GetProperty("steps[0].delay")[0].GetString(), StringComparison.Ordinal);
        var tables = _app.Storage.Tables.GetTableClient($"{_app.Prefix}Sequences");
        Assert.Empty(await tables.QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task A_failed_edit_leaves_the_sequence_as_it_was()
    {
        var seq = await _app.CreateSequenceAsync([MailStep("PT0S", "Original", "b")]);
        var bad = JsonSerializer.Serialize(new { name = "Changed", ownerUserId = "u1", steps = new[] { new { type = "fax", delay = "P1D" } } });
        await _app.ExpectProblemAsync(HttpMethod.Put, $"/api/sequences/{seq}", bad, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        var read = await _app.GetAsync($"/api/sequences/{seq}");
        Assert.Equal("Outreach", read.GetProperty("name").GetString());
        Assert.Equal(1, read.GetProperty("version").GetInt32());
    }

    [Theory]
    [InlineData("GET", "/api/sequences/nope", "SEQUENCE_NOT_FOUND")]
    [InlineData("PUT", "/api/sequences/nope", "SEQUENCE_NOT_FOUND")]
    [InlineData("GET", "/api/contacts/nope", "CONTACT_NOT_FOUND")]
    [InlineData("GET", "/api/enrollments/nope", "ENROLLMENT_NOT_FOUND")]
    [InlineData("POST", "/api/enrollments/nope/unenroll", "ENROLLMENT_NOT_FOUND")]
    [InlineData("POST", "/api/tasks/nope-1/complete", "TASK_NOT_FOUND")]
    [InlineData("POST", "/api/sequences/nope/enrollments", "SEQUENCE_NOT_FOUND")]
    [InlineData("GET", "/api/sequences/nope/enrollments", "SEQUENCE_NOT_FOUND")]
    [InlineData("GET", "/api/nothing-here", "NOT_FOUND")]
    public async Task Unknown_ids_and_routes_are_404_with_a_code(string method, string path, string code)
    {
        var body = method == "GET" ? null : method == "PUT"
            ? JsonSerializer.Serialize(new { name = "S", ownerUserId = "u1", steps = new[] { new { type = "call", delay = "P1D" } } })
            : JsonSerializer.Serialize(new { contactId = "c1", senderUserId = "u1" });
        await _app.ExpectProblemAsync(new HttpMethod(method), path, body, HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Enrolling_an_unknown_contact_or_sender_changes_nothing()
    {
        var seq = await _app.CreateSequenceAsync([MailStep("PT0S", "S", "b")]);
        await _app.ExpectProblemAsync(HttpMethod.Post, $"/api/sequences/{seq}/enrollments", "{\"contactId\":\"ghost\",\"senderUserId\":\"u1\"}", HttpStatusCode.NotFound, "CONTACT_NOT_FOUND");
        await _app.ExpectProblemAsync(HttpMethod.Post, $"/api/sequences/{seq}/enrollments", "{\"contactId\":\"c1\",\"senderUserId\":\"ghost\"}", HttpStatusCode.NotFound, "SENDER_NOT_FOUND");
        Assert.Equal(0, (await _app.GetAsync($"/api/sequences/{seq}/enrollments")).GetProperty("count").GetInt32());
        Assert.Equal(0, (await _app.GetAsync("/api/contacts/c1/enrollments")).GetProperty("count").GetInt32());
        Assert.Equal(0, await _app.WorkflowCountAsync());
    }

    [Fact]
    public async Task A_wrong_method_and_a_bad_query_value_are_problems_too()
    {
        var (status, json, type) = await _app.RawAsync(HttpMethod.Delete, "/api/users/u1", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("application/problem+json", type);
        Assert.Equal("METHOD_NOT_ALLOWED", json.GetProperty("code").GetString());
        await _app.ExpectProblemAsync(HttpMethod.Get, "/api/tasks?userId=u1&status=done", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await _app.ExpectProblemAsync(HttpMethod.Get, "/api/tasks", null, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }
}
