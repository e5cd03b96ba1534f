using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Sequences.Core.Email;
using Sequences.Core.Ports;

namespace Sequences.Email.Acs;

/// <summary>
/// Sends through Azure Communication Services Email with its REST API (<c>POST /emails:send</c>,
/// api-version 2025-09-01) over one Azure.Core pipeline for the life of the app. Each step's send
/// carries an Operation-Id derived from its idempotency key, so a resend is the same operation and
/// ACS sends it once: <see cref="DeduplicatesResends"/> is true. ACS answers 202 when it has queued
/// the message; delivery (or a bounce) is reported later, by Event Grid, not here.
/// </summary>
public sealed class AcsTransport : IEmailTransport
{
    private readonly Uri _sendUri;
    private readonly HttpPipeline _pipeline;
    private readonly AcsSendQuota _quota;
    private readonly bool _disableEngagementTracking;
    private readonly ILogger _logger;

    private AcsTransport(
        AcsOptions options, HttpPipelinePolicy authentication, TimeProvider time, ILogger<AcsTransport> logger, AcsRetrySettings? retry, TimeSpan? maxQuotaWait)
    {
        var endpoint = options.TryResolveEndpoint(out var resolved, out var why) ? resolved : throw new ArgumentException($"Email:Acs {why}", nameof(options));
        _sendUri = new Uri(endpoint, $"/emails:send?api-version={AcsEmailRequest.ApiVersion}");
        _quota = new AcsSendQuota(options.PerMinute, options.PerHour, time, maxQuotaWait);
        _disableEngagementTracking = options.DisableEngagementTracking;
        _logger = logger;

        retry ??= AcsRetrySettings.Default;
        var clientOptions = new AcsClientOptions { RetryPolicy = new AcsRetryPolicy(retry, time, logger) };
        clientOptions.Retry.NetworkTimeout = retry.NetworkTimeout;
        clientOptions.Diagnostics.ApplicationId = "Sequences";
        _pipeline = HttpPipelineBuilder.Build(clientOptions, authentication);
    }

    public bool DeduplicatesResends => true;

    /// <summary>
    /// The transport <paramref name="options"/> describe: HMAC with the connection string's access
    /// key, else Entra tokens from <paramref name="credential"/> (by default a user-assigned managed
    /// identity when <see cref="AcsOptions.ClientId"/> is set, else <see cref="DefaultAzureCredential"/>).
    /// </summary>
    public static AcsTransport Create(AcsOptions options, TimeProvider time, ILogger<AcsTransport> logger, TokenCredential? credential = null) =>
        Create(options, time, logger, credential, retry: null, maxQuotaWait: null);

    /// <summary>As the public overload, with the waits tests shorten.</summary>
    internal static AcsTransport Create(
        AcsOptions options, TimeProvider time, ILogger<AcsTransport> logger, TokenCredential? credential, AcsRetrySettings? retry, TimeSpan? maxQuotaWait)
    {
        HttpPipelinePolicy authentication = !string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new AcsHmacPolicy(AcsConnectionString.Parse(options.ConnectionString).AccessKey, time)
            : new AcsBearerTokenPolicy(credential ?? DefaultCredential(options.ClientId));
        return new AcsTransport(options, authentication, time, logger, retry, maxQuotaWait);
    }

    private static TokenCredential DefaultCredential(string? clientId) =>
        string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId.Trim()));

    public async Task<EmailSendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        var enrollmentId = MimeBuilder.EnrollmentIdOf(email);
        var operationId = AcsEmailRequest.OperationId(email.IdempotencyKey).ToString("D");
        try
        {
            // Built before taking a quota slot: an address that can never be sent spends none.
            var body = AcsEmailRequest.Body(email, _disableEngagementTracking);
            var waited = await _quota.WaitAsync(cancellationToken);
            if (waited > TimeSpan.Zero)
            {
                _logger.AcsQuotaWaited(enrollmentId, email.MessageId, waited);
            }

            return await PostAsync(email, enrollmentId, operationId, body, cancellationToken);
        }
        catch (EmailSendException failure)
        {
            _logger.AcsFailed(enrollmentId, email.MessageId, operationId, failure.Kind.ToString(), failure.Message);
            throw;
        }
    }

    private async Task<EmailSendResult> PostAsync(OutgoingEmail email, string enrollmentId, string operationId, byte[] body, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(_sendUri);
        request.Headers.SetValue("Operation-Id", operationId);
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        request.Content = RequestContent.Create(body);

        try
        {
            await _pipeline.SendAsync(message, cancellationToken);
        }
        catch (Exception e) when (AcsResponses.FromException(e, cancellationToken) is { } kind)
        {
            var certain = kind == SendFailureKind.NotSent && !MayHaveArrived(message);
            throw certain
                ? new EmailSendException(SendFailureKind.NotSent, $"Could not reach ACS at {_sendUri.Authority}: {e.Message}", e)
                : new EmailSendException(SendFailureKind.Unknown, $"The request to ACS at {_sendUri.Authority} failed without an answer; it may have been accepted (operation {operationId}, safe to resend): {e.Message}", e);
        }

        var response = message.Response;
        if (response.Status is >= 200 and < 300)
        {
            var id = AcsResponses.OperationId(response) ?? operationId;
            _logger.AcsAccepted(enrollmentId, email.MessageId, id, response.Status);
            return new EmailSendResult(id);
        }

        if (AcsResponses.FromResponse(response, email) is not { } failure)
        {
            _logger.AcsAlreadyAccepted(enrollmentId, email.MessageId, operationId);
            return new EmailSendResult(operationId, WasAlreadySent: true);
        }

        // A temporary refusal after an attempt that broke mid-request leaves the first in doubt.
        throw failure.Kind == SendFailureKind.NotSent && MayHaveArrived(message)
            ? new EmailSendException(SendFailureKind.Unknown, $"{failure.Message}; an earlier attempt broke off and may have been accepted (operation {operationId}, safe to resend)") { RetryAfter = failure.RetryAfter }
            : failure;
    }

    private static bool MayHaveArrived(HttpMessage message) =>
        message.TryGetProperty(AcsRetryPolicy.MayHaveArrivedProperty, out var value) && value is true;

    private sealed class AcsClientOptions : ClientOptions;
}
