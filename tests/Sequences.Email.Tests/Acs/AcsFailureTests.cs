using System.Diagnostics;
using Sequences.Core.Email;
using Sequences.Storage.Local;

namespace Sequences.Email.Tests.Acs;

/// <summary>How the ACS transport reads ACS's answers, replayed by a real HTTP server.</summary>
public class AcsFailureTests
{
    [Fact]
    public async Task Accepted_send_reports_the_acs_operation_id()
    {
        await using var stub = new AcsStub();
        var transport = AcsTestTransports.WithKey(stub);

        var result = await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        Assert.Equal(stub.Single().Header("Operation-Id"), result.ProviderMessageId);
        Assert.False(result.WasAlreadySent);
        Assert.True(transport.DeduplicatesResends);
    }

    [Fact]
    public async Task Too_many_requests_waits_as_long_as_acs_asks_then_sends()
    {
        await using var stub = new AcsStub(StubAnswer.Error(429, "TooManyRequests", "Rate limit exceeded", ("Retry-After", "1")));
        var transport = AcsTestTransports.WithKey(stub);
        var clock = Stopwatch.StartNew();

        var result = await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"retried after {clock.Elapsed}");
        Assert.Equal(2, stub.Requests.Count);
        Assert.Single(stub.Requests.Select(r => r.Header("Operation-Id")).Distinct());
        Assert.NotNull(result.ProviderMessageId);
    }

    [Fact]
    public async Task Server_errors_to_the_last_attempt_are_not_sent_with_the_servers_retry_after()
    {
        var error = StubAnswer.Error(500, "InternalServerError", "Something went wrong", ("retry-after-ms", "20"));
        await using var stub = new AcsStub(error, error, error, error);
        var transport = AcsTestTransports.WithKey(stub);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(20), failure.RetryAfter);
        Assert.Contains("500 InternalServerError: Something went wrong", failure.Message, StringComparison.Ordinal);
        Assert.Equal(AcsTestTransports.Fast.MaxAttempts, stub.Requests.Count);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_wait_budget_hands_the_step_back_at_once()
    {
        await using var stub = new AcsStub(StubAnswer.Error(429, "TooManyRequests", "Hourly quota exceeded", ("Retry-After", "1800")));
        var transport = AcsTestTransports.WithKey(stub);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        Assert.Equal(TimeSpan.FromMinutes(30), failure.RetryAfter);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData("InvalidEmailAddress", "The email address 'nobody@@reader.example' in recipients is invalid.", SendFailureKind.RecipientRejected)]
    [InlineData("EmailDroppedAllRecipientsSuppressed", "All recipients are on the suppression list.", SendFailureKind.RecipientRejected)]
    [InlineData("InvalidSenderUserName", "The sender address alex@sender.example is not allowed for this domain.", SendFailureKind.Rejected)]
    [InlineData("DomainNotLinked", "The specified sender domain has not been linked.", SendFailureKind.Rejected)]
    public async Task Bad_request_is_a_recipient_rejection_only_when_it_is_about_the_recipient(string code, string message, SendFailureKind expected)
    {
        await using var stub = new AcsStub(StubAnswer.Error(400, code, message, ("x-ms-error-code", code)));
        var transport = AcsTestTransports.WithKey(stub);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(expected, failure.Kind);
        Assert.Contains($"400 {code}: {message}", failure.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task A_refused_credential_is_not_sent_so_fixing_it_resumes_the_step(int status)
    {
        await using var stub = new AcsStub(StubAnswer.Error(status, "Denied", "Denied by the resource."));
        var transport = AcsTestTransports.WithKey(stub);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        Assert.Contains("Email:Acs", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conflict_on_the_operation_id_means_it_was_already_accepted()
    {
        await using var stub = new AcsStub(StubAnswer.Error(409, "Conflict", "An operation with this id already exists."));
        var transport = AcsTestTransports.WithKey(stub);

        var result = await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        Assert.True(result.WasAlreadySent);
        Assert.Equal(stub.Single().Header("Operation-Id"), result.ProviderMessageId);
    }

    [Fact]
    public async Task Invalid_recipient_address_is_refused_without_a_request()
    {
        await using var stub = new AcsStub();
        var transport = AcsTestTransports.WithKey(stub);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(to: "not-an-address"), CancellationToken.None));

        Assert.Equal(SendFailureKind.RecipientRejected, failure.Kind);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Refused_connection_is_not_sent()
    {
        var port = NodeServerProcess.FreePorts(1)[0];
        var options = new Sequences.Email.Acs.AcsOptions { ConnectionString = $"endpoint=http://127.0.0.1:{port}/;accesskey={Convert.ToBase64String(AcsTestTransports.Key)}" };
        var transport = Sequences.Email.Acs.AcsTransport.Create(
            options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Sequences.Email.Acs.AcsTransport>.Instance, null, AcsTestTransports.Fast, null);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, failure.Kind);
        Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_lost_after_the_request_was_sent_is_unknown()
    {
        await using var stub = new AcsStub(StubAnswer.Dropped, StubAnswer.Dropped, StubAnswer.Dropped, StubAnswer.Dropped);
        var transport = AcsTestTransports.WithKey(stub);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.Unknown, failure.Kind);
        Assert.Contains("safe to resend", failure.Message, StringComparison.Ordinal);
        Assert.Equal(AcsTestTransports.Fast.MaxAttempts, stub.Requests.Count);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_unknown()
    {
        await using var stub = new AcsStub(StubAnswer.NoAnswer, StubAnswer.NoAnswer);
        var transport = AcsTestTransports.WithKey(stub, retry: AcsTestTransports.Fast with { MaxAttempts = 2, NetworkTimeout = TimeSpan.FromMilliseconds(300) });

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.Unknown, failure.Kind);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task Connection_lost_once_then_accepted_is_sent()
    {
        await using var stub = new AcsStub(StubAnswer.Dropped);
        var transport = AcsTestTransports.WithKey(stub);

        var result = await transport.SendAsync(TestEmails.Create(), CancellationToken.None);

        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal(stub.Requests.First().Header("Operation-Id"), result.ProviderMessageId);
    }

    [Fact]
    public async Task A_server_error_after_a_lost_connection_is_unknown_not_unsent()
    {
        var error = StubAnswer.Error(503, "ServiceUnavailable", "Try later");
        await using var stub = new AcsStub(StubAnswer.Dropped, error, error, error);
        var transport = AcsTestTransports.WithKey(stub);

        var failure = await Assert.ThrowsAsync<EmailSendException>(() => transport.SendAsync(TestEmails.Create(), CancellationToken.None));

        Assert.Equal(SendFailureKind.Unknown, failure.Kind);
    }
}
