using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Sequences.Email.Acs;

/// <summary>
/// Signs each request with the resource's access key (ACS "HMAC-SHA256" scheme, as in Microsoft's
/// "Sign an HTTP request" tutorial for Communication Services): the signature covers the method,
/// path and query, date, host and body hash, so the service can check that none were changed.
/// A per-retry policy: every attempt carries a fresh date.
/// </summary>
internal sealed class AcsHmacPolicy(byte[] accessKey, TimeProvider time) : HttpPipelinePolicy
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Sign(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Sign(message);
        return ProcessNextAsync(message, pipeline);
    }

    /// <summary><c>{METHOD}\n{path and query}\n{x-ms-date};{host};{x-ms-content-sha256}</c>; host includes a non-default port.</summary>
    public static string StringToSign(string method, Uri uri, string date, string contentHash) =>
        $"{method}\n{uri.PathAndQuery}\n{date};{uri.Authority};{contentHash}";

    private void Sign(HttpMessage message)
    {
        var request = message.Request;
        var uri = request.Uri.ToUri();
        var date = time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        var contentHash = ContentHash(request.Content, message.CancellationToken);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(accessKey, Encoding.UTF8.GetBytes(StringToSign(request.Method.Method, uri, date, contentHash))));

        request.Headers.SetValue("x-ms-date", date);
        request.Headers.SetValue("x-ms-content-sha256", contentHash);
        request.Headers.SetValue(HttpHeader.Names.Authorization, $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={signature}");
    }

    /// <summary>Base64 SHA-256 of the body (of nothing, for a request without one).</summary>
    private static string ContentHash(RequestContent? content, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        content?.WriteTo(body, cancellationToken);
        return Convert.ToBase64String(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
    }
}

/// <summary>
/// Entra bearer tokens for scope <c>https://communication.azure.com//.default</c> (the double slash
/// is how ACS's resource id is written). Azure.Core's policy refuses any endpoint that is not https;
/// the one exception here is a loopback endpoint, which only the tests' stub uses, and which gets
/// the same cached token through the same base class.
/// </summary>
internal sealed class AcsBearerTokenPolicy(TokenCredential credential) : BearerTokenAuthenticationPolicy(credential, Scope)
{
    public const string Scope = "https://communication.azure.com//.default";

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        IsLoopbackHttp(message) ? AuthorizeThenSendAsync(message, pipeline) : base.ProcessAsync(message, pipeline);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (IsLoopbackHttp(message))
        {
            AuthorizeRequest(message);
            ProcessNext(message, pipeline);
        }
        else
        {
            base.Process(message, pipeline);
        }
    }

    private async ValueTask AuthorizeThenSendAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await AuthorizeRequestAsync(message);
        await ProcessNextAsync(message, pipeline);
    }

    private static bool IsLoopbackHttp(HttpMessage message)
    {
        var uri = message.Request.Uri.ToUri();
        return uri.Scheme == Uri.UriSchemeHttp && AcsEndpoint.IsLoopback(uri);
    }
}
