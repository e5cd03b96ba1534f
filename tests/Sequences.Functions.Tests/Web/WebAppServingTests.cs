using System.Net;
using System.Net.Http.Headers;

namespace Sequences.Functions.Tests.Web;

/// <summary>The app's files as served (no browser): headers, caching, and that nothing else is shadowed.</summary>
public sealed class WebAppServingTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(settings: new Dictionary<string, string?> { ["Api:Keys:0"] = BrowserFixture.ApiKey, ["Hosting:LocalTriggers"] = "false" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/app/main.js", "text/javascript")]
    [InlineData("/app/app.css", "text/css")]
    public async Task App_files_are_public_with_a_strict_policy_and_an_etag(string path, string type)
    {
        using var response = await _app.Client.GetAsync(path.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'" })
        {
            Assert.Contains(directive, csp, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        again.Headers.IfNoneMatch.Add(etag);
        using var cached = await _app.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
    }

    /// <summary>Scalar injects its styles as it renders: that page alone takes inline styles; scripts and connections stay this origin's.</summary>
    [Fact]
    public async Task The_api_reference_page_differs_from_the_app_s_policy_only_by_inline_styles()
    {
        using var response = await _app.Client.GetAsync("app/reference.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("style-src 'self' 'unsafe-inline';", csp, StringComparison.Ordinal);
        Assert.Equal(Sequences.Functions.Web.WebAssets.ContentSecurityPolicy, csp.Replace(" 'unsafe-inline'", "", StringComparison.Ordinal));
        Assert.Contains("<script src=\"/app/scalar.js\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scalar_s_bundle_is_served_gzipped_to_a_browser_that_takes_gzip_and_plain_to_one_that_does_not()
    {
        using var zipped = new HttpRequestMessage(HttpMethod.Get, "app/scalar.js");
        zipped.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var gz = await _app.Client.SendAsync(zipped);
        Assert.Equal(HttpStatusCode.OK, gz.StatusCode);
        Assert.Equal("gzip", Assert.Single(gz.Content.Headers.ContentEncoding));
        Assert.Contains("Accept-Encoding", gz.Headers.Vary);
        await using var unzip = new System.IO.Compression.GZipStream(await gz.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(unzip);
        var fromGzip = await reader.ReadToEndAsync();

        using var plain = await _app.Client.GetAsync("app/scalar.js");
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal("text/javascript", plain.Content.Headers.ContentType?.MediaType);
        var text = await plain.Content.ReadAsStringAsync();
        Assert.Contains("createApiReference", text, StringComparison.Ordinal);
        Assert.Equal(text, fromGzip);

        using var again = new HttpRequestMessage(HttpMethod.Get, "app/scalar.js");
        again.Headers.IfNoneMatch.Add(plain.Headers.ETag!);
        using var cached = await _app.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
    }

    [Theory]
    [InlineData("/app/nothing.js")]
    [InlineData("/nothing")]
    [InlineData("/app")]
    [InlineData("/api/nothing")]
    public async Task Unknown_paths_stay_problem_json_404s(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Add("X-Api-Key", BrowserFixture.ApiKey);
        using var response = await _app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_api_still_needs_the_key_and_other_routes_are_not_shadowed()
    {
        using var api = await _app.Client.GetAsync("api/users/nobody");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var alive = await _app.Client.GetAsync("alive");
        Assert.Equal("alive\n", await alive.Content.ReadAsStringAsync());
        using var unsubscribe = await _app.Client.GetAsync("unsubscribe/not-a-token");
        Assert.Equal("text/html", unsubscribe.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("/app/main.js", await unsubscribe.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var post = await _app.Client.PostAsync("", new StringContent("{}", new MediaTypeHeaderValue("application/json")));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }
}
