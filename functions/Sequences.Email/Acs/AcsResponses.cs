using System.Globalization;
using System.Text.Json;
using Azure;
using Sequences.Core.Email;

namespace Sequences.Email.Acs;

/// <summary>
/// Reads what ACS answered: whether to retry, how long it asked us to wait, and whether a failed
/// send may have left. Error bodies follow the Azure data-plane <c>ErrorResponse</c>
/// (<c>{"error": {"code", "message", "target"}}</c>, code also in <c>x-ms-error-code</c>).
/// </summary>
internal static class AcsResponses
{
    /// <summary>Answers that are about the service's state rather than the request: the same request may succeed later.</summary>
    public static bool IsRetriable(int status) => status is 408 or 429 or >= 500;

    /// <summary>retry-after-ms and x-ms-retry-after-ms (milliseconds), else Retry-After (seconds or an HTTP date).</summary>
    public static TimeSpan? ServerDelay(Response response)
    {
        foreach (var name in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (response.Headers.TryGetValue(name, out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
            {
                return TimeSpan.FromMilliseconds(milliseconds);
            }
        }

        if (!response.Headers.TryGetValue("Retry-After", out var retryAfter))
        {
            return null;
        }

        if (int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return response.Headers.Date is { } now && DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? (at > now ? at - now : TimeSpan.Zero)
            : null;
    }

    /// <summary>
    /// Where a request failed without an answer. Refused before a connection existed: nothing was
    /// sent. Broken or timed out after it was written: ACS may have queued it. Null: not a
    /// network failure (the caller's own cancellation, or a bug) and not ours to classify.
    /// </summary>
    public static SendFailureKind? FromException(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => cancellationToken.IsCancellationRequested ? null : SendFailureKind.Unknown,
        RequestFailedException { Status: 0, InnerException: HttpRequestException inner } => FromHttpError(inner),
        HttpRequestException direct => FromHttpError(direct),
        RequestFailedException { Status: 0 } or IOException => SendFailureKind.Unknown,
        _ => null,
    };

    private static SendFailureKind FromHttpError(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError => SendFailureKind.NotSent,
        _ => SendFailureKind.Unknown,
    };

    /// <summary>The failure an unsuccessful answer means, or null when ACS already holds this operation (409).</summary>
    public static EmailSendException? FromResponse(Response response, OutgoingEmail email)
    {
        var status = response.Status;
        if (status == 409)
        {
            // Assumption, not verifiable without a resource: the request carries nothing that
            // could conflict except its Operation-Id, so a conflict means this step's operation
            // exists already, i.e. an earlier attempt was accepted.
            return null;
        }

        var error = Error(response);
        var detail = string.Create(CultureInfo.InvariantCulture, $"ACS answered {status} {error.Code}: {error.Message}").TrimEnd(' ', ':');
        return status switch
        {
            _ when IsRetriable(status) => new EmailSendException(SendFailureKind.NotSent, $"{detail} (temporary; not sent)") { RetryAfter = ServerDelay(response) },

            // A credential or role problem belongs to the deployment, not to this email: once it is
            // fixed the step should go, so it is "not sent" rather than a refusal of the message.
            401 or 403 => new EmailSendException(SendFailureKind.NotSent, $"{detail} (check Email:Acs credentials and the identity's role on the resource)"),
            >= 400 and < 500 when IsAboutRecipient(error, email) => new EmailSendException(SendFailureKind.RecipientRejected, $"{detail} (the recipient was refused)"),
            >= 400 and < 500 => new EmailSendException(SendFailureKind.Rejected, $"{detail} (the message was refused)"),
            _ => new EmailSendException(SendFailureKind.NotSent, $"{detail} (unexpected answer; not accepted)"),
        };
    }

    /// <summary>
    /// Whether a 4xx is about the recipient: ACS's code for an all-suppressed recipient list, or an
    /// error that names the recipient field or address and not the sender. The exact texts of ACS's
    /// validation errors are not published; these are the codes seen in practice ("InvalidEmailAddress",
    /// "EmailDroppedAllRecipientsSuppressed").
    /// </summary>
    private static bool IsAboutRecipient(AcsError error, OutgoingEmail email)
    {
        if (string.Equals(error.Code, "EmailDroppedAllRecipientsSuppressed", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var text = $"{error.Code} {error.Target} {error.Message}";
        var mentionsRecipient = text.Contains("recipient", StringComparison.OrdinalIgnoreCase)
            || text.Contains(email.To.Address, StringComparison.OrdinalIgnoreCase);
        var mentionsSender = text.Contains("sender", StringComparison.OrdinalIgnoreCase)
            || text.Contains(email.From.Address, StringComparison.OrdinalIgnoreCase);
        return mentionsRecipient && !mentionsSender;
    }

    /// <summary>The operation id ACS reports in a 202's body (<c>{"id", "status"}</c>), if it sent one.</summary>
    public static string? OperationId(Response response)
    {
        var json = Json(response);
        return json is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;
    }

    private static AcsError Error(Response response)
    {
        var headerCode = response.Headers.TryGetValue("x-ms-error-code", out var code) ? code : null;
        var json = Json(response);
        if (json is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            return new AcsError(Text(error, "code") ?? headerCode, Text(error, "message"), Text(error, "target"));
        }

        return new AcsError(headerCode ?? response.ReasonPhrase, null, null);
    }

    private static string? Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The body as JSON, or null when there is none or it is not JSON (a proxy's HTML error page).</summary>
    private static JsonElement? Json(Response response)
    {
        var content = response.Content.ToMemory();
        if (content.IsEmpty)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record AcsError(string? Code, string? Message, string? Target);
}
