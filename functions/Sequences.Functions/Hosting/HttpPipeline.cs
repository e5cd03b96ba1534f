using System.Security.Cryptography;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;
using Sequences.Core.Errors;
using Sequences.Core.Ports;
using Sequences.Functions.Api;
using Sequences.Storage;

namespace Sequences.Functions.Hosting;

/// <summary>
/// What every HTTP function invocation passes through, under the Functions host (see
/// <see cref="HttpPipelineMiddleware"/>) and standalone alike: the API key on <c>/api</c> routes,
/// <c>Idempotency-Key</c> on POSTs, and a problem+json 500 for anything unexpected. The function's
/// result is written here, so a response can be kept for idempotent replays.
/// </summary>
internal sealed class HttpPipeline(IOptions<ApiOptions> options, IIdempotencyStore idempotency, ILogger<HttpPipeline> logger)
{
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly byte[][] _keys = options.Value.Keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

    /// <summary>Runs <paramref name="invoke"/> (the function) unless the request is refused or replayed, and writes its result.</summary>
    public async Task RunAsync(HttpContext context, Func<Task<object?>> invoke)
    {
        using var storage = StorageMetrics.Activity("api");
        try
        {
            if (Unauthorized(context.Request) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            var key = context.Request.Headers[IdempotencyHeader].ToString();
            if (key.Length > 0 && HttpMethods.IsPost(context.Request.Method) && IsApi(context.Request))
            {
                await RunIdempotentAsync(context, key, invoke);
                return;
            }

            await WriteAsync(context, await invoke());
        }
        catch (Exception e) when (!context.Response.HasStarted && Sequences.Storage.StorageFailures.IsUnavailable(e))
        {
            logger.StorageUnavailable(context.Request.Method, context.Request.Path, e.Message.Split('\n')[0]);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = "5";
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.StorageUnavailable,
                "Storage is unavailable", "Storage could not be reached or is overloaded; it is safe to retry in a few seconds.");
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            logger.Unhandled(context.Request.Method, context.Request.Path, e);
            context.Response.Clear();
            await Problems.WriteAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.InternalError,
                "Something went wrong", "The request could not be completed; it is safe to retry. The error was logged.");
        }
    }

    /// <summary>
    /// The problems this pipeline itself can answer for an operation (for the OpenAPI description):
    /// 500 and 503 on any, the API key's 401 on <c>/api</c> routes, and the Idempotency-Key's on their POSTs.
    /// </summary>
    public static IEnumerable<(int Status, string Code)> ProblemsOf(string path, string method)
    {
        yield return (StatusCodes.Status500InternalServerError, ErrorCodes.InternalError);
        yield return (StatusCodes.Status503ServiceUnavailable, ErrorCodes.StorageUnavailable);
        if (!path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            yield break;
        }

        yield return (StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized);
        if (HttpMethods.IsPost(method))
        {
            yield return (StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed);
            yield return (StatusCodes.Status409Conflict, ErrorCodes.IdempotentRequestInProgress);
            yield return (StatusCodes.Status422UnprocessableEntity, ErrorCodes.IdempotencyKeyReused);
        }
    }

    /// <summary>The request headers this pipeline itself reads for an operation (for the OpenAPI description): the Idempotency-Key of POSTs under <c>/api</c>.</summary>
    public static IEnumerable<string> HeadersOf(string path, string method) =>
        path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) && HttpMethods.IsPost(method) ? [IdempotencyHeader] : [];

    /// <summary>Writes a function's result (an <see cref="IResult"/>); a function that wrote the response itself returns null.</summary>
    private static Task WriteAsync(HttpContext context, object? result) => result switch
    {
        IResult r => r.ExecuteAsync(context),
        null => Task.CompletedTask,
        _ => throw new InvalidOperationException($"An HTTP function returned {result.GetType().Name}; functions return IResult."),
    };

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    // ---- API key --------------------------------------------------------------------------------

    /// <summary>When API keys are configured, every /api route needs X-Api-Key with one of them; null when the request may pass.</summary>
    private IResult? Unauthorized(HttpRequest request)
    {
        if (_keys.Length == 0 || !IsApi(request) || IsEventGridHandshake(request))
        {
            return null;
        }

        var given = request.Headers["X-Api-Key"].ToString();
        if (given.Length == 0 && BasicPassword(request) is { } password)
        {
            // Webhook senders that cannot set headers (SendGrid) use https://any:KEY@host/… instead.
            given = password;
        }

        // Compare hashes in constant time: neither the key nor its length leaks through timing.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        var ok = false;
        foreach (var k in _keys)
        {
            ok |= CryptographicOperations.FixedTimeEquals(hash, k);
        }

        if (ok && given.Length > 0)
        {
            return null;
        }

        // A browser answers a Basic challenge with its own login box, even for a script's fetch (and a
        // headless one waits forever): requests from scripts (Sec-Fetch-Mode other than navigate: the
        // web app, which asks for the key itself) get only the ApiKey challenge.
        var fromScript = request.Headers["Sec-Fetch-Mode"].ToString() is { Length: > 0 } mode && mode != "navigate";
        request.HttpContext.Response.Headers.WWWAuthenticate = fromScript
            ? "ApiKey header=\"X-Api-Key\""
            : "Basic realm=\"sequences\", ApiKey header=\"X-Api-Key\"";
        return Problems.Code(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "API key required",
            given.Length == 0 ? "Send a valid key in the X-Api-Key header (or as the password of HTTP Basic authentication)." : "The key given is not valid.");
    }

    /// <summary>
    /// Event Grid validates a webhook before it delivers anything (OPTIONS for CloudEvents, a
    /// SubscriptionValidation post otherwise); the answer only echoes what was sent, so it needs no key.
    /// </summary>
    private static bool IsEventGridHandshake(HttpRequest request) =>
        request.Path.Equals("/api/inbound/eventgrid", StringComparison.OrdinalIgnoreCase)
        && (HttpMethods.IsOptions(request.Method) || request.Headers["aeg-event-type"] == "SubscriptionValidation");

    private static string? BasicPassword(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon >= 0 ? decoded[(colon + 1)..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // ---- Idempotency-Key -------------------------------------------------------------------------

    /// <summary>
    /// The first request with a key runs and its response (any but a 5xx) is kept for a day; a retry
    /// with the same key and body gets that response again without running anything; the same key
    /// with a different body is refused.
    /// </summary>
    private async Task RunIdempotentAsync(HttpContext context, string key, Func<Task<object?>> invoke)
    {
        var ct = context.RequestAborted;
        if (key.Length > 255)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "Idempotency key too long", "An Idempotency-Key is at most 255 characters.");
            return;
        }

        context.Request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}\n"));
        var buffer = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        context.Request.Body.Position = 0;
        var scope = $"{context.Request.Method} {context.Request.Path}";
        var claim = await idempotency.BeginAsync(scope, key, Convert.ToHexStringLower(hash.GetHashAndReset()), ct);
        switch (claim.Outcome)
        {
            case IdempotencyOutcome.Replay:
                var r = claim.Response!;
                context.Response.StatusCode = r.Status;
                context.Response.ContentType = r.ContentType;
                context.Response.Headers["Idempotent-Replayed"] = "true";
                if (r.Location is not null)
                {
                    context.Response.Headers.Location = r.Location;
                }

                await context.Response.WriteAsync(r.Body, ct);
                return;
            case IdempotencyOutcome.Mismatch:
                await Problems.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, ErrorCodes.IdempotencyKeyReused, "Idempotency key already used",
                    $"The Idempotency-Key '{key}' was used for a different request in the last 24 hours; use a new key for a new request.");
                return;
            case IdempotencyOutcome.InProgress:
                context.Response.Headers.RetryAfter = "1";
                await Problems.WriteAsync(context, StatusCodes.Status409Conflict, ErrorCodes.IdempotentRequestInProgress, "Request in progress",
                    $"A request with Idempotency-Key '{key}' is still being processed; retry in a moment to get its result.");
                return;
        }

        // Run it, keeping a copy of the response.
        var original = context.Response.Body;
        using var copy = new MemoryStream();
        context.Response.Body = copy;
        try
        {
            await WriteAsync(context, await invoke());
        }
        catch
        {
            context.Response.Body = original;
            await idempotency.AbandonAsync(scope, key, CancellationToken.None);
            throw;
        }

        context.Response.Body = original;
        copy.Position = 0;
        if (context.Response.StatusCode >= 500)
        {
            await idempotency.AbandonAsync(scope, key, CancellationToken.None);
        }
        else
        {
            var body = Encoding.UTF8.GetString(copy.ToArray());
            await idempotency.CompleteAsync(scope, key,
                new StoredResponse(context.Response.StatusCode, context.Response.ContentType ?? "application/json", body, context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null),
                CancellationToken.None);
        }

        await copy.CopyToAsync(original, ct);
    }
}

/// <summary>
/// Under the Functions host: runs each HTTP function through <see cref="HttpPipeline"/>. The
/// pipeline writes the function's result itself, so the host is handed an empty result to write.
/// </summary>
internal sealed class HttpPipelineMiddleware(HttpPipeline pipeline) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        await pipeline.RunAsync(http, async () =>
        {
            await next(context);
            return context.GetInvocationResult().Value;
        });
        context.GetInvocationResult().Value = Results.Empty;
    }
}
