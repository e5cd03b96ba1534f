using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Microsoft.Extensions.Time.Testing;

namespace Sequences.Email.Tests.Acs;

/// <summary>What the ACS transport puts on the wire, read back by a real HTTP server.</summary>
public class AcsRequestTests
{
    [Fact]
    public async Task Send_is_a_post_to_emails_send_signed_with_the_access_key()
    {
        await using var stub = new AcsStub();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 8, 30, 5, TimeSpan.Zero));
        var transport = AcsTestTransports.WithKey(stub, time);

        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        var request = stub.Single();
        Assert.Equal("POST", request.Method);
        Assert.Equal("/emails:send?api-version=2025-09-01", request.PathAndQuery);
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.True(Guid.TryParse(request.Header("x-ms-client-request-id"), out _));
        Assert.Equal("Mon, 02 Mar 2026 08:30:05 GMT", request.Header("x-ms-date"));

        // Recomputed here from the key and the bytes received, not with the transport's code.
        var contentHash = Convert.ToBase64String(SHA256.HashData(request.Body));
        Assert.Equal(contentHash, request.Header("x-ms-content-sha256"));
        var stringToSign = $"POST\n/emails:send?api-version=2025-09-01\n{request.Header("x-ms-date")};{request.Header("Host")};{contentHash}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(AcsTestTransports.Key, Encoding.UTF8.GetBytes(stringToSign)));
        Assert.Equal($"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}", request.Header("Authorization"));
        Assert.Equal($"127.0.0.1:{stub.Endpoint.Port}", request.Header("Host"));
    }

    [Fact]
    public async Task Body_carries_sender_recipient_content_and_our_headers()
    {
        await using var stub = new AcsStub();
        var transport = AcsTestTransports.WithKey(stub);
        var email = TestEmails.FollowUp("robin@reader.example");

        await transport.SendAsync(email, CancellationToken.None);

        var body = stub.Single().Json();
        Assert.Contains($"\"Message-ID\":\"{email.MessageId}\"", Encoding.UTF8.GetString(stub.Single().Body), StringComparison.Ordinal);
        Assert.Equal("alex@sender.example", body.GetProperty("senderAddress").GetString());
        var to = Assert.Single(body.GetProperty("recipients").GetProperty("to").EnumerateArray());
        Assert.Equal("robin@reader.example", to.GetProperty("address").GetString());
        Assert.Equal("Robin Reader", to.GetProperty("displayName").GetString());
        Assert.Equal("Re: Quick question", body.GetProperty("content").GetProperty("subject").GetString());
        Assert.Equal(email.TextBody, body.GetProperty("content").GetProperty("plainText").GetString());
        Assert.Equal(email.HtmlBody, body.GetProperty("content").GetProperty("html").GetString());
        Assert.False(body.GetProperty("userEngagementTrackingDisabled").GetBoolean());

        var headers = body.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["Message-ID"] = email.MessageId,
                ["In-Reply-To"] = email.InReplyTo,
                ["References"] = email.References[0],
                ["List-Unsubscribe"] = $"<{email.UnsubscribeUrl}>",
                ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
                ["X-Sequences-Enrollment"] = email.Headers["X-Sequences-Enrollment"],
                ["X-Sequences-Step"] = "2",
            },
            headers);
        Assert.StartsWith("<", email.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_values_cannot_break_into_new_headers_and_reserved_names_are_refused()
    {
        await using var stub = new AcsStub();
        var transport = AcsTestTransports.WithKey(stub);
        var injected = TestEmails.Create() with { Subject = "Hi\r\nBcc: everyone@example.com" };
        var reserved = TestEmails.Create() with { Headers = new Dictionary<string, string> { ["Reply-To"] = "other@example.com" } };

        await transport.SendAsync(injected, CancellationToken.None);
        await Assert.ThrowsAsync<ArgumentException>(() => transport.SendAsync(reserved, CancellationToken.None));

        Assert.Equal("Hi  Bcc: everyone@example.com", stub.Single().Json().GetProperty("content").GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Resending_a_step_repeats_its_operation_id_and_another_step_gets_another()
    {
        await using var stub = new AcsStub();
        var transport = AcsTestTransports.WithKey(stub);
        var enrollment = Guid.NewGuid().ToString("N");

        await transport.SendAsync(TestEmails.Create("a@reader.example", enrollment, step: 1), CancellationToken.None);
        await transport.SendAsync(TestEmails.Create("a@reader.example", enrollment, step: 1), CancellationToken.None);
        await transport.SendAsync(TestEmails.Create("a@reader.example", enrollment, step: 2), CancellationToken.None);

        var ids = stub.Requests.Select(r => r.Header("Operation-Id")).ToList();
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(ids[0], ids[2]);
        var id = Guid.Parse(ids[0]);
        Assert.Equal(8, id.Version);
        Assert.NotEqual(ids[0], stub.Requests.First().Header("x-ms-client-request-id"));
    }

    [Fact]
    public async Task Entra_authentication_sends_a_bearer_token_for_the_communication_scope()
    {
        await using var stub = new AcsStub();
        var credential = new RecordingCredential("token-for-acs");
        var transport = AcsTestTransports.WithToken(stub, credential);

        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);
        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        Assert.All(stub.Requests, r => Assert.Equal("Bearer token-for-acs", r.Header("Authorization")));
        Assert.All(stub.Requests, r => Assert.Null(r.Headers["x-ms-content-sha256"]));
        // One token for both sends: the policy caches it until it nears expiry.
        Assert.Equal(["https://communication.azure.com//.default"], Assert.Single(credential.Requests));
    }

    [Fact]
    public async Task Engagement_tracking_can_be_turned_off_per_request()
    {
        await using var stub = new AcsStub();
        var transport = AcsTestTransports.WithKey(stub, options: new Sequences.Email.Acs.AcsOptions { DisableEngagementTracking = true });

        await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        Assert.True(stub.Single().Json().GetProperty("userEngagementTrackingDisabled").GetBoolean());
    }

    /// <summary>A credential that hands out a known token (valid for an hour) and notes the scopes asked for.</summary>
    private sealed class RecordingCredential(string token) : TokenCredential
    {
        public List<string[]> Requests { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(requestContext.Scopes);
            }

            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}

