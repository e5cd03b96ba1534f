using System.Security.Cryptography;
using Sequences.Core.Errors;
using Sequences.Core.Ports;
using Sequences.Functions.Api;

namespace Sequences.Functions.Hosting;

/// <summary>
/// <c>Idempotency-Key</c> on any POST under /api: the first request runs and its response (any
/// but a 5xx) is kept for a day; a retry with the same key and the same body gets that response
/// again without running anything; the same key with a different body is refused.
/// </summary>
internal sealed class IdempotencyMiddleware(RequestDelegate next, IIdempotencyStore store)
{
    public const string Header = "Idempotency-Key";

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[Header].ToString();
        if (key.Length == 0 || !HttpMethods.IsPost(context.Request.Method) || !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var ct = context.RequestAborted;
        if (key.Length > 255)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "Idempotency key too long", "An Idempotency-Key is at most 255 characters.");
            return;
        }

        context.Request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}\n"));
        var buffer = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        context.Request.Body.Position = 0;
        var scope = $"{context.Request.Method} {context.Request.Path}";
        var claim = await store.BeginAsync(scope, key, Convert.ToHexStringLower(hash.GetHashAndReset()), ct);
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
            await next(context);
        }
        catch
        {
            context.Response.Body = original;
            await store.AbandonAsync(scope, key, CancellationToken.None);
            throw;
        }

        context.Response.Body = original;
        copy.Position = 0;
        if (context.Response.StatusCode >= 500)
        {
            await store.AbandonAsync(scope, key, CancellationToken.None);
        }
        else
        {
            var body = System.Text.Encoding.UTF8.GetString(copy.ToArray());
            await store.CompleteAsync(scope, key,
                new StoredResponse(context.Response.StatusCode, context.Response.ContentType ?? "application/json", body, context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null),
                CancellationToken.None);
        }

        await copy.CopyToAsync(original, ct);
    }
}
