using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;
using Sequences.Core.Errors;
using Sequences.Functions.Api;

namespace Sequences.Functions.Web;

/// <summary>
/// The browser app: static files embedded in this assembly (Web/wwwroot), served by the same
/// function list under the Functions host and standalone. The shell is <c>/</c>; its files are
/// <c>/app/{file}</c>. Nothing here needs the API key (the pipeline asks for it on <c>/api</c>
/// only): the page asks the browser's user for the key when the API answers 401.
/// </summary>
internal sealed class WebAppFunctions
{
    /// <summary>
    /// The files of the app, flat under <c>/app/</c>. A route cannot be empty (the Functions host
    /// then uses the function's name), so <c>/</c> itself reaches <see cref="Shell"/> through the
    /// catch-all <see cref="FallbackFunctions"/>.
    /// </summary>
    [Function(nameof(WebAppFile))]
    public IResult WebAppFile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "app/{file}")] HttpRequest request, string file) =>
        WebAssets.Files.TryGetValue(file, out var asset)
            ? Serve(request, asset)
            : Problems.Code(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found", $"No route matches {request.Method} {request.Path}.");

    /// <summary>The app's shell (index.html), for <c>GET /</c>.</summary>
    public static IResult Shell(HttpRequest request) => Serve(request, WebAssets.Files["index.html"]);

    /// <summary>
    /// Every file with the same strict headers: scripts and styles only from this origin, no inline
    /// script or style, no plugins, no framing of the app; rep-written email HTML is shown only in
    /// sandboxed srcdoc iframes, which inherit this policy. Files revalidate on each load (their
    /// names carry no version), cheaply: an unchanged file is a 304 by its ETag.
    /// </summary>
    private static IResult Serve(HttpRequest request, WebAsset asset)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = WebAssets.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == asset.ETag || t.Trim() == "*")))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}

internal sealed record WebAsset(byte[] Content, string ContentType, string ETag);

/// <summary>The embedded files (resources named <c>web/{file}</c>), read once.</summary>
internal static class WebAssets
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string Prefix = "web/";

    public static readonly FrozenDictionary<string, WebAsset> Files = Load();

    private static FrozenDictionary<string, WebAsset> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var file = name[Prefix.Length..];
            var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..20]}\"").ToString();
            files[file] = new WebAsset(content, TypeOf(file), etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string TypeOf(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
}
