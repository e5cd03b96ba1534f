using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;
using Scalar.AspNetCore;
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
    /// names carry no version), cheaply: an unchanged file is a 304 by its ETag. A file kept
    /// gzipped (the API reference's bundle) goes out as it is to a browser that takes gzip.
    /// </summary>
    private static IResult Serve(HttpRequest request, WebAsset asset)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = asset.Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (asset.Gzipped)
        {
            headers.Vary = "Accept-Encoding";
        }

        if (request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == asset.ETag || t.Trim() == "*")))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (!asset.Gzipped)
        {
            return Results.Bytes(asset.Content, asset.ContentType);
        }

        if (request.Headers.AcceptEncoding.Any(v => v is not null && v.Split(',').Any(e => e.Split(';')[0].Trim() is "gzip" or "*")))
        {
            headers.ContentEncoding = "gzip";
            return Results.Bytes(asset.Content, asset.ContentType);
        }

        return Results.Stream(new GZipStream(new MemoryStream(asset.Content), CompressionMode.Decompress), asset.ContentType);
    }
}

/// <summary>A file of the app: its bytes (gzip-compressed when <see cref="Gzipped"/>), type, ETag and Content-Security-Policy.</summary>
internal sealed record WebAsset(byte[] Content, string ContentType, string ETag, string Policy, bool Gzipped = false);

/// <summary>
/// The embedded files (resources named <c>web/{file}</c>), read once, and the API reference's
/// bundle: <c>scalar.js</c>, Scalar's standalone build as the Scalar.AspNetCore package embeds it
/// (gzipped) for its own middleware, which the Functions host cannot run.
/// </summary>
internal static class WebAssets
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The API reference page's policy: the app's, but for inline styles, which Scalar's bundle
    /// injects as it renders (it has no stylesheet of its own). Scripts stay this origin's only,
    /// and connect-src 'self' keeps its requests, and an API key typed into it, on this origin.
    /// </summary>
    public const string ReferencePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public const string ReferencePage = "reference.html";

    private const string Prefix = "web/";

    private const string ScalarBundle = "ScalarStaticAssets.scalar.js";

    public static readonly FrozenDictionary<string, WebAsset> Files = Load();

    private static FrozenDictionary<string, WebAsset> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var file = name[Prefix.Length..];
            var content = Read(assembly, name);
            files[file] = new WebAsset(content, TypeOf(file), ETagOf(content, weak: false),
                file == ReferencePage ? ReferencePolicy : ContentSecurityPolicy);
        }

        // One ETag for both encodings of the bundle: a weak one, as the bytes differ by encoding.
        var scalar = Read(typeof(ScalarOptions).Assembly, ScalarBundle);
        files["scalar.js"] = new WebAsset(scalar, TypeOf("scalar.js"), ETagOf(scalar, weak: true), ContentSecurityPolicy, Gzipped: true);
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource {name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ETagOf(byte[] content, bool weak) =>
        new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..20]}\"", weak).ToString();

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
