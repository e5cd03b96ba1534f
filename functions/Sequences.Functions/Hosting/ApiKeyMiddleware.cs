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
        if (_keys.Length == 0 || !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        var given = context.Request.Headers["X-Api-Key"].ToString();
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

        context.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
        return Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "API key required",
            given.Length == 0 ? "Send a valid key in the X-Api-Key header." : "The X-Api-Key header does not hold a valid key.");
    }
}
