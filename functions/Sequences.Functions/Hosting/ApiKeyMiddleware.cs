using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Sequences.Core.Errors;
using Sequences.Functions.Api;

namespace Sequences.Functions.Hosting;

/// <summary>When API keys are configured, every /api route needs X-Api-Key with one of them.</summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<ApiOptions> options)
{
    private readonly byte[][] _keys = options.Value.Keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

    public Task InvokeAsync(HttpContext context)
    {
        if (_keys.Length == 0 || !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || IsEventGridHandshake(context.Request))
        {
            return next(context);
        }

        var given = context.Request.Headers["X-Api-Key"].ToString();
        if (given.Length == 0 && BasicPassword(context.Request) is { } password)
        {
            // Webhook senders that cannot set headers (SendGrid) use https://any:KEY@host/… instead.
            given = password;
        }

        // Compare hashes in constant time: neither the key nor its length leaks through timing.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        var ok = false;
        foreach (var key in _keys)
        {
            ok |= CryptographicOperations.FixedTimeEquals(hash, key);
        }

        if (ok && given.Length > 0)
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = "Basic realm=\"sequences\", ApiKey header=\"X-Api-Key\"";
        return Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "API key required",
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
}
