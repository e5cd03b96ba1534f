using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>API keys, the custom-handler envelope, the unsubscribe link, health.</summary>
public class HostingTests
{
    [Fact]
    public async Task With_api_keys_set_every_api_route_needs_one()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?>
        {
            ["Api:Keys:0"] = "first-key-0123456789",
            ["Api:Keys:1"] = "second-key-0123456789",
            ["Hosting:LocalTriggers"] = "false",
        });
        using var none = await app.Client.GetAsync("api/users/u1");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("UNAUTHORIZED", (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "api/users/u1") { Headers = { { "X-Api-Key", "nope" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(wrong)).StatusCode);

        using var right = new HttpRequestMessage(HttpMethod.Get, "api/users/u1") { Headers = { { "X-Api-Key", "second-key-0123456789" } } };
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.SendAsync(right)).StatusCode);
    }

    [Fact]
    public async Task The_dispatcher_function_answers_the_custom_handler_envelope()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        var envelope = new
        {
            Data = new { timer = new { Schedule = new { AdjustForDST = true }, ScheduleStatus = (object?)null, IsPastDue = false } },
            Metadata = new { sys = new { MethodName = "Dispatcher", UtcNow = DateTimeOffset.UtcNow, RandGuid = Guid.NewGuid() } },
        };
        using var response = await app.Client.PostAsJsonAsync("Dispatcher", envelope, DurabilityTests.HostJson);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Object, body.GetProperty("Outputs").ValueKind);
        Assert.Contains("Moved 0", body.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_work_function_runs_a_step_from_an_envelope_and_fails_with_non_2xx_on_a_bad_message()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "Via the host", "1")]);
        await app.EnrollAsync(seq);
        var text = (await app.Storage.Queue("work").ReceiveMessagesAsync(1)).Value.Single().Body.ToString();
        await DurabilityTests.PostEnvelopeAsync(app, text);
        var mails = await (await MailDevServer.SharedAsync()).WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(20), default);
        Assert.Equal("Via the host", mails[0].Subject);

        using var bad = await app.Client.PostAsJsonAsync("WorkQueue", new { Data = new { message = "\"not a work message\"" }, Metadata = new { } }, DurabilityTests.HostJson);
        Assert.Equal(HttpStatusCode.InternalServerError, bad.StatusCode);
        var body = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("FormatException", body.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);

        using var notEnvelope = await app.Client.PostAsync("WorkQueue", new StringContent("hello"));
        Assert.Equal(HttpStatusCode.BadRequest, notEnvelope.StatusCode);
    }

    [Fact]
    public async Task The_unsubscribe_link_confirms_on_get_and_unsubscribes_on_one_click_post()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("PT2S", null, "2")]);
        var enrollment = await app.EnrollAsync(seq);
        var maildev = await MailDevServer.SharedAsync();
        var mail = (await maildev.WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(20), default))[0];
        var link = mail.Headers["List-Unsubscribe"]!.Trim('<', '>');

        using var page = await app.Client.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False((await app.GetAsync("/api/contacts/c1")).GetProperty("unsubscribed").GetBoolean());

        // RFC 8058: the mail client posts List-Unsubscribe=One-Click to the link.
        using var post = await app.Client.PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.True((await app.GetAsync("/api/contacts/c1")).GetProperty("unsubscribed").GetBoolean());
        var state = await app.EnrollmentAsync(enrollment);
        Assert.Equal("UNSUBSCRIBED", state.GetProperty("endReason").GetString());

        await Task.Delay(3000);
        Assert.Single(await maildev.MessagesToAsync(to, default));
        var refused = await app.PostAsync($"/api/sequences/{seq}/enrollments", new { contactId = "c1", senderUserId = "u1" }, expect: 422);
        Assert.Equal("CONTACT_UNSUBSCRIBED", refused.GetProperty("code").GetString());

        using var forged = await app.Client.PostAsync(link[..^3] + "abc", new StringContent(""));
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
    }

    [Fact]
    public async Task Health_reports_storage_queues_and_dispatcher_lag()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        await app.Storage.Queue("work").SendMessageAsync("x");
        var health = await app.GetAsync("/api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("storageReachable").GetBoolean());
        var work = health.GetProperty("queues")[0];
        Assert.Equal($"{app.Prefix}-work", work.GetProperty("name").GetString());
        Assert.Equal(1, work.GetProperty("approximateDepth").GetInt32());
        Assert.Equal(0, health.GetProperty("poisonQueues")[0].GetProperty("approximateDepth").GetInt32());
    }
}
