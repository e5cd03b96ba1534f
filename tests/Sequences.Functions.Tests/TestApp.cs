using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sequences.Core.Engine;
using Sequences.Functions.Hosting;
using Sequences.Functions.Hosting.Standalone;
using Sequences.Functions.Workflow;
using Sequences.Storage;
using Sequences.Storage.Local;
using Sequences.Testing;

namespace Sequences.Functions.Tests;

/// <summary>
/// The real app, built exactly as Program builds it standalone, serving HTTP on a free loopback
/// port, on the shared Azurite under its own prefix (its own tables, queues and task hub), sending
/// SMTP to the shared maildev.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, Uri baseUrl, string prefix)
    {
        _app = app;
        BaseUrl = baseUrl;
        Prefix = prefix;
        Client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseUrl { get; }

    /// <summary>Every problem+json the helpers below received, in order (checked against the OpenAPI document: <see cref="OpenApiTests.Undeclared"/>).</summary>
    public ConcurrentQueue<ObservedProblem> Problems { get; } = new();
    public string Prefix { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Starts an app. Pass the same <paramref name="prefix"/> to several apps to make them share storage (competing consumers).</summary>
    public static async Task<TestApp> StartAsync(string? prefix = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? replace = null)
    {
        var azurite = await AzuriteServer.ConnectionStringAsync();
        var maildev = await MailDevServer.SharedAsync();
        prefix ??= AzuriteServer.UniquePrefix();
        var port = NodeServerProcess.FreePorts(1)[0];
        var url = $"http://127.0.0.1:{port}";
        var values = new Dictionary<string, string?>
        {
            ["urls"] = url,
            ["AzureWebJobsStorage"] = azurite,
            ["Storage:Prefix"] = prefix,
            ["Email:Transport"] = "smtp",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = maildev.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Tests poll queues faster than host.json does (the Functions host's own override convention).
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.200",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.250",
            ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:maxQueuePollingInterval"] = "00:00:01",
            ["Sequences:PublicBaseUrl"] = url + "/",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        var app = await StandaloneHost.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }, replace);
        await app.StartAsync();
        return new TestApp(app, new Uri(url + "/"), prefix);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ---- API helpers -------------------------------------------------------------------------

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body = null, int expect = 200)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = body is string raw
                ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json")
                : JsonContent.Create(body, options: Json);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Observe(request, response, text);
        if ((int)response.StatusCode != expect)
        {
            throw new Xunit.Sdk.XunitException($"{method} {path}: expected {expect}, got {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A raw request (with <paramref name="headers"/>, if any): status, body (default when empty) and content type.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> RawAsync(
        HttpMethod method, string path, string? body, string contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Observe(request, response, text);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    private void Observe(HttpRequestMessage request, HttpResponseMessage response, string text)
    {
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var code = JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            Problems.Enqueue(new ObservedProblem(request.Method.Method, request.RequestUri!.PathAndQuery, (int)response.StatusCode, code));
        }
    }

    /// <summary>Asserts a problem+json with this status and code, and returns it.</summary>
    public async Task<JsonElement> ExpectProblemAsync(
        HttpMethod method, string path, string? body, HttpStatusCode status, string code, IReadOnlyDictionary<string, string>? headers = null)
    {
        var (actual, json, type) = await RawAsync(method, path, body, headers: headers);
        Assert.Equal(status, actual);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("title").GetString()));
        return json;
    }

    public Task<JsonElement> GetAsync(string path, int expect = 200) => SendAsync(HttpMethod.Get, path, null, expect);

    public Task<JsonElement> PostAsync(string path, object? body = null, int expect = 200) => SendAsync(HttpMethod.Post, path, body ?? new { }, expect);

    public Task<JsonElement> PutAsync(string path, object body, int expect = 200) => SendAsync(HttpMethod.Put, path, body, expect);

    /// <summary>A sender, a contact with a test-unique address, and returns the contact's address.</summary>
    public async Task<string> SeedPeopleAsync(string contactId = "c1", string userId = "u1", string? company = "Buyer Inc")
    {
        await PutAsync($"/api/users/{userId}", new { email = "rita@acme.test", name = "Rita Rep" });
        var email = $"{contactId}.{Prefix}@buyer.test";
        await PutAsync($"/api/contacts/{contactId}", new { email, firstName = "Ann", lastName = "Buyer", company, properties = new { industry = "rail" } });
        return email;
    }

    public async Task<string> CreateSequenceAsync(object[] steps, object? settings = null, string owner = "u1")
    {
        var created = await PostAsync("/api/sequences", new
        {
            name = "Outreach",
            ownerUserId = owner,
            sharedWithEveryone = true,
            settings = settings ?? new { businessDaysOnly = false },
            steps,
        }, expect: 201);
        return created.GetProperty("id").GetString()!;
    }

    public async Task<string> EnrollAsync(string sequenceId, string contactId = "c1", string userId = "u1", object? tokens = null)
    {
        var e = await PostAsync($"/api/sequences/{sequenceId}/enrollments", new { contactId, senderUserId = userId, tokens }, expect: 201);
        return e.GetProperty("id").GetString()!;
    }

    public Task<JsonElement> EnrollmentAsync(string enrollmentId) => GetAsync($"/api/enrollments/{enrollmentId}");

    public Task<JsonElement> WaitForEnrollmentAsync(string enrollmentId, Func<JsonElement, bool> done, string what, int seconds = 30) =>
        Eventually.ValueAsync(() => EnrollmentAsync(enrollmentId), done, TimeSpan.FromSeconds(seconds), what);

    /// <summary>
    /// Waits until the enrollment records its <paramref name="count"/>th sent email: a message reaches
    /// the sink a moment before its sender records it, and an unenroll in between is rightly a 202.
    /// </summary>
    public Task<JsonElement> WaitForEmailsRecordedAsync(string enrollmentId, int count = 1) =>
        WaitForEnrollmentAsync(enrollmentId, e => e.GetProperty("events").EnumerateArray().Count(x => x.GetProperty("type").GetString() == "emailSent") >= count,
            $"{count} email(s) recorded");

    public static object MailStep(string delay, string? subject, string body) => new { type = "automatedEmail", delay, subject, body };

    public static object TaskStep(string type, string delay, string? title = null, bool? continueWithoutCompleting = null) =>
        new { type, delay, taskTitle = title, continueWithoutCompleting };

    public StorageClients Storage => Get<StorageClients>();

    /// <summary>Runs what is on a queue through its function, as the host would (for apps without local triggers).</summary>
    public async Task DrainAsync(string queueName)
    {
        var queue = Storage.Queue(queueName);
        var function = FunctionCatalog.All.Single(f => f.Queue is { } q && Get<HostJson>().Resolve(q.QueueName) == queue.Name);
        while ((await queue.ReceiveMessagesAsync(32)).Value is { Length: > 0 } batch)
        {
            foreach (var m in batch)
            {
                await InvokeAsync(function, p => p == function.Trigger ? m.Body.ToString() : null);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
        }
    }

    /// <summary>Runs the enrollment's workflow activity once, as its orchestration would (for apps without local triggers).</summary>
    public async Task<NextRun> RunStepAsync(string enrollmentId)
    {
        var function = FunctionCatalog.All.Single(f => f.Name == EnrollmentWorkflow.RunStep);
        return (NextRun)(await InvokeAsync(function, p => p == function.Trigger ? new RunStepInput(enrollmentId) : null))!;
    }

    /// <summary>How many workflows (orchestration instances) this app's task hub holds.</summary>
    public async Task<int> WorkflowCountAsync()
    {
        var count = 0;
        await foreach (var _ in Get<Microsoft.DurableTask.Client.DurableTaskClient>().GetAllInstancesAsync())
        {
            count++;
        }

        return count;
    }

    /// <summary>Runs a timer function once, as its schedule would.</summary>
    public Task RunTimerAsync(string name)
    {
        var function = FunctionCatalog.All.Single(f => f.Name == name);
        return InvokeAsync(function, p => p == function.Trigger ? new Microsoft.Azure.Functions.Worker.TimerInfo() : null);
    }

    private async Task<object?> InvokeAsync(FunctionEntry function, Func<System.Reflection.ParameterInfo, object?> trigger)
    {
        await using var scope = Services.CreateAsyncScope();
        return await FunctionInvoker.InvokeAsync(function, scope.ServiceProvider, p =>
            trigger(p) ?? FunctionInvoker.Common(p, scope.ServiceProvider, CancellationToken.None));
    }
}

/// <summary>A problem+json response: the request's method and path (with its query) and the response's status and code.</summary>
public sealed record ObservedProblem(string Method, string Path, int Status, string? Code);
