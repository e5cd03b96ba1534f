using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Sequences.Core.Ports;
using Sequences.Functions.Hosting;
using Sequences.Functions.Hosting.Standalone;
using Sequences.Testing;
using static Sequences.Functions.Tests.TestApp;

namespace Sequences.Functions.Tests;

/// <summary>API keys, the function list standalone mode serves, the unsubscribe link, health.</summary>
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

        // The liveness path is outside /api: a probe needs no key.
        using var alive = await app.Client.GetAsync("alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("alive\n", await alive.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bad_setting_stops_the_app_with_one_line_naming_it_and_exit_code_1()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", Repository.FunctionsOutput("Sequences.Functions.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Repository.FunctionsOutput("Sequences.Functions.dll")),
        };
        start.Environment["AzureWebJobsStorage"] = await AzuriteServer.ConnectionStringAsync();
        start.Environment["Api__Keys__0"] = "short";
        start.Environment["urls"] = $"http://127.0.0.1:{Sequences.Storage.Local.NodeServerProcess.FreePorts(1)[0]}";
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Equal(["Invalid setting: Every API key (Api__Keys__N) must be at least 16 characters."], (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("fail:", await stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", await stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_liveness_function_has_nothing_to_reach_storage_with()
    {
        // Static, and its only parameter is the request: it cannot depend on storage or anything else.
        var alive = FunctionCatalog.All.Single(f => f.Name == "Alive");
        Assert.True(alive.Method.IsStatic);
        Assert.Equal([typeof(Microsoft.AspNetCore.Http.HttpRequest)], alive.Method.GetParameters().Select(p => p.ParameterType));
    }

    [Fact]
    public async Task Every_function_of_the_builds_metadata_is_served_standalone_with_its_trigger_route_and_methods()
    {
        // functions.metadata is what the worker SDK wrote at build time from the [Function] attributes:
        // what the Functions host will index. Standalone mode must serve exactly that list.
        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Repository.FunctionsOutput("functions.metadata")));
        var declared = metadata.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f =>
            f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)));
        var catalog = FunctionCatalog.All;
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), catalog.Select(f => f.Name).Order(StringComparer.Ordinal));

        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        var endpoints = app.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var hostJson = app.Get<HostJson>();
        foreach (var function in catalog)
        {
            var trigger = declared[function.Name];
            var type = trigger.GetProperty("type").GetString();
            Assert.Equal(function.Kind switch
            {
                TriggerKind.Http => "httpTrigger",
                TriggerKind.Queue => "queueTrigger",
                TriggerKind.Timer => "timerTrigger",
                TriggerKind.Orchestration => "orchestrationTrigger",
                _ => "activityTrigger",
            }, type);
            switch (function.Kind)
            {
                case TriggerKind.Http:
                    Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
                    var route = trigger.GetProperty("route").GetString()!;
                    var methods = trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();
                    var served = Assert.Single(endpoints, e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == function.Name);
                    Assert.Equal("/" + route, served.RoutePattern.RawText);
                    Assert.Equal(methods, served.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Order(StringComparer.Ordinal));
                    break;
                case TriggerKind.Queue:
                    Assert.Equal(trigger.GetProperty("queueName").GetString(), function.Queue!.QueueName);
                    Assert.StartsWith(app.Prefix + "-", hostJson.Resolve(function.Queue.QueueName), StringComparison.Ordinal);
                    break;
                case TriggerKind.Timer:
                    Assert.Equal(trigger.GetProperty("schedule").GetString(), function.Timer!.Schedule);
                    break;
            }
        }
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_are_problems_and_the_allowed_methods_are_named()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        using var missing = await app.Client.GetAsync("api/no/such/thing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("NOT_FOUND", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        using var wrong = await app.Client.DeleteAsync("api/enrollments/x");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["GET"], wrong.Content.Headers.Allow);
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

        // A link scanner's GET changes nothing; the page names the address the email went to and leaks no referrer.
        for (var i = 0; i < 2; i++)
        {
            using var page = await app.Client.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("<form method=\"post\"", html, StringComparison.Ordinal);
            Assert.Contains(to, html, StringComparison.Ordinal);
        }

        Assert.False((await app.GetAsync("/api/contacts/c1")).GetProperty("unsubscribed").GetBoolean());
        Assert.Equal("active", (await app.EnrollmentAsync(enrollment)).GetProperty("status").GetString());

        // RFC 8058: the mail client posts List-Unsubscribe=One-Click to the link.
        // RFC 8058: a repeated one-click is fine.
        for (var i = 0; i < 2; i++)
        {
            using var post = await app.Client.PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }

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
    public async Task An_unsubscribe_link_speaks_only_for_the_address_it_was_sent_to()
    {
        await using var app = await StartAsync();
        var to = await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("PT0S", "One", "1"), MailStep("P1D", null, "2")]);
        var enrollment = await app.EnrollAsync(seq);
        var maildev = await MailDevServer.SharedAsync();
        var link = (await maildev.WaitForMessagesToAsync(to, 1, TimeSpan.FromSeconds(20), default))[0].Headers["List-Unsubscribe"]!.Trim('<', '>');
        await app.WaitForEmailsRecordedAsync(enrollment);

        // The contact's address changes; the old address's owner then clicks the old link.
        await app.PutAsync("/api/contacts/c1", new { email = $"new.{app.Prefix}@buyer.test", firstName = "Ann" });
        using var post = await app.Client.PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Contains(to, await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // That enrollment (which mailed the old address) ends; the contact, now someone else's address, is not suppressed.
        Assert.Equal("UNSUBSCRIBED", (await app.EnrollmentAsync(enrollment)).GetProperty("endReason").GetString());
        Assert.False((await app.GetAsync("/api/contacts/c1")).GetProperty("unsubscribed").GetBoolean());
    }

    [Fact]
    public async Task Health_reports_storage_queues_and_the_reconcilers_overdue_enrollments()
    {
        await using var app = await StartAsync(settings: new Dictionary<string, string?> { ["Hosting:LocalTriggers"] = "false" });
        await app.Storage.Queue("inbound").SendMessageAsync("x");
        var health = await app.GetAsync("/api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("storageReachable").GetBoolean());
        var inbound = health.GetProperty("queues")[0];
        Assert.Equal($"{app.Prefix}-inbound", inbound.GetProperty("name").GetString());
        Assert.Equal(1, inbound.GetProperty("approximateDepth").GetInt32());
        Assert.Equal(0, health.GetProperty("poisonQueues")[0].GetProperty("approximateDepth").GetInt32());
        Assert.Equal(0, health.GetProperty("overdue").GetProperty("enrollments").GetInt32());

        // An active enrollment long overdue (its workflow lost): the reconciler's run reports it, and health turns unhealthy.
        await app.SeedPeopleAsync();
        var seq = await app.CreateSequenceAsync([MailStep("P1D", "Hi", "b")]);
        var id = await app.EnrollAsync(seq);
        var store = app.Get<IEnrollmentStore>();
        var e = (await store.GetAsync(id, default))!;
        await store.ReplaceAsync(e.Value with { DueAt = DateTimeOffset.UtcNow.AddMinutes(-30) }, e.ETag, default);
        await app.RunTimerAsync("Reconcile");
        health = await app.GetAsync("/api/health", 503);
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Equal(1, health.GetProperty("overdue").GetProperty("enrollments").GetInt32());
        Assert.Equal(1, health.GetProperty("overdue").GetProperty("workflowsWoken").GetInt32());
    }
}
