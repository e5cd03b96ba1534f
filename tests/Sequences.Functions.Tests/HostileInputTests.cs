using System.Net;
using System.Text.Json;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>Templates, payloads and ids that could hurt the app are refused up front or bounded when run.</summary>
public class HostileInputTests : IAsyncLifetime
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

    private static string Sequence(params object[] steps) =>
        JsonSerializer.Serialize(new { name = "S", ownerUserId = "u1", sharedWithEveryone = true, settings = new { businessDaysOnly = false }, steps });

    [Theory]
    [InlineData("Hi {{ contact.firstName | defualt: \"there\" }}", "unknown filter 'defualt'")]
    [InlineData("Hi\n{% include \"secret\" %}", "Line 2: 'include' is not supported")]
    [InlineData("Hi {% frobnicate %}", "Liquid syntax error")]
    public async Task A_bad_template_is_refused_when_saved_naming_the_field_and_line(string body, string expected)
    {
        var problem = await _app.ExpectProblemAsync(HttpMethod.Post, "/api/sequences", Sequence(MailStep("PT0S", "Hello", body)), HttpStatusCode.UnprocessableEntity, "INVALID_TEMPLATE");
        Assert.Contains(expected, problem.GetProperty("errors").GetProperty("steps[0].body")[0].GetString(), StringComparison.Ordinal);
        var tables = _app.Storage.Tables.GetTableClient($"{_app.Prefix}Sequences");
        Assert.Empty(await tables.QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task A_bad_task_title_override_is_refused_on_enroll()
    {
        var seq = await _app.CreateSequenceAsync([TaskStep("call", "PT0S", "Call {{ contact.firstName }}")]);
        var body = JsonSerializer.Serialize(new { contactId = "c1", senderUserId = "u1", taskOverrides = new Dictionary<string, object> { ["1"] = new { title = "{% render 'x' %}" } } });
        var problem = await _app.ExpectProblemAsync(HttpMethod.Post, $"/api/sequences/{seq}/enrollments", body, HttpStatusCode.UnprocessableEntity, "INVALID_TEMPLATE");
        Assert.True(problem.GetProperty("errors").TryGetProperty("taskOverrides.1.title", out _), problem.ToString());
    }

    [Fact]
    public async Task A_template_that_hits_a_bound_pauses_its_enrollment_with_the_code_instead_of_retrying()
    {
        var seq = await _app.CreateSequenceAsync([MailStep("PT0S", "Hello", "{% for i in (1..100000000) %}{{ i }}{% endfor %}")]);
        var id = await _app.EnrollAsync(seq);
        var next = await _app.RunStepAsync(id);
        Assert.False(next.Ended);
        Assert.Null(next.WakeAt);
        var e = await _app.EnrollmentAsync(id);
        Assert.Equal("paused", e.GetProperty("status").GetString());
        Assert.Equal("TEMPLATE_LIMIT_EXCEEDED", e.GetProperty("pauseReason").GetString());
        var failed = e.GetProperty("events").EnumerateArray().Single(x => x.GetProperty("type").GetString() == "stepFailed");
        Assert.Contains("range", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(e.GetProperty("events").EnumerateArray(), x => x.GetProperty("type").GetString() == "emailSent");
    }

    [Fact]
    public async Task Stored_size_is_checked_up_front_and_names_what_to_shrink()
    {
        var properties = Enumerable.Range(0, 200).ToDictionary(i => $"p{i}", _ => new string('x', 900));
        var contact = JsonSerializer.Serialize(new { email = "big@buyer.test", properties });
        var problem = await _app.ExpectProblemAsync(HttpMethod.Put, "/api/contacts/big", contact, HttpStatusCode.RequestEntityTooLarge, "ENTITY_TOO_LARGE");
        Assert.True(problem.GetProperty("errors").TryGetProperty("properties", out _));
        await _app.GetAsync("/api/contacts/big", expect: 404);

        var steps = Enumerable.Range(0, 50).Select(i => MailStep(i == 0 ? "PT0S" : "P1D", "S", new string('y', 15_000))).ToArray();
        var sequence = await _app.ExpectProblemAsync(HttpMethod.Post, "/api/sequences", Sequence(steps), HttpStatusCode.RequestEntityTooLarge, "ENTITY_TOO_LARGE");
        Assert.Contains("steps", sequence.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"Email\":\"a@b.test\",\"name\":\"A\"}", "Email", "Unknown field")]
    [InlineData("{\"email\":\"a@b.test\",\"name\":\"A\",\"name\":\"B\"}", "name", "Duplicate field")]
    [InlineData("{\"email\":\"a@b.test\",\"name\":\"A\",\"dailySendLimit\":\"10\"}", "dailySendLimit", "integer")]
    [InlineData("{\"email\":\"a@b.test\",\"name\":\"A\\ud800\"}", "name", "unpaired surrogate")]
    [InlineData("{\"email\":\"a@b.test\",\"name\":\"A\\u0000\"}", "name", "U+0000")]
    public async Task Json_on_our_api_is_strict(string body, string field, string expected)
    {
        var problem = await _app.ExpectProblemAsync(HttpMethod.Put, "/api/users/u9", body, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains(expected, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        await _app.GetAsync("/api/users/u9", expect: 404);
    }

    [Fact]
    public async Task Malformed_json_says_where_without_the_parsers_words()
    {
        var problem = await _app.ExpectProblemAsync(HttpMethod.Put, "/api/users/u9", "{\"email\": tru", HttpStatusCode.BadRequest, "MALFORMED_JSON");
        Assert.Matches(@"^Invalid JSON at line 1, position \d+\.$", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_encoded_slash_cannot_smuggle_a_slash_into_an_id()
    {
        var problem = await _app.ExpectProblemAsync(HttpMethod.Put, "/api/users/a%2Fb", "{\"email\":\"a@b.test\",\"name\":\"A\"}", HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(problem.GetProperty("errors").TryGetProperty("userId", out _), problem.ToString());
    }
}
