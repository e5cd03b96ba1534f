using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Sequences.Core.Errors;
using Sequences.Core.Inbound;
using Sequences.Core.Ports;
using Sequences.Email.Inbound;

namespace Sequences.Functions.Api;

internal sealed record AcceptedInbound(string Id, string Kind, string Queue);

internal sealed record MeetingCommand(string? ContactId, string? Email, string? UserId, DateTimeOffset? BookedAt);

/// <summary>Inbound settings (configuration section <c>Inbound</c>).</summary>
internal sealed class InboundOptions
{
    public const string Section = "Inbound";

    /// <summary>Mailgun's HTTP webhook signing key (Inbound__Mailgun__SigningKey): inbound Mailgun posts are verified with it.</summary>
    public MailgunOptions Mailgun { get; set; } = new();

    /// <summary>The largest raw message accepted (bytes).</summary>
    public long MaxMessageBytes { get; set; } = 25 * 1024 * 1024;

    public sealed class MailgunOptions
    {
        public string? SigningKey { get; set; }
    }
}

/// <summary>
/// Inbound webhooks. They only authenticate, validate and queue (202): the queue-triggered
/// functions do the work. Malformed input is refused here with problem+json 400.
/// </summary>
internal sealed class InboundFunctions(IInboundQueue queue, IInboundLog log, IOptions<InboundOptions> options, TimeProvider time)
{
    private static readonly TimeSpan MailgunMaxAge = TimeSpan.FromMinutes(15);

    [ProblemCodes(ErrorKind.Validation, ErrorCodes.ValidationFailed, ErrorCodes.MalformedMime)]
    [ProblemCodes(ErrorKind.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    [Function(nameof(InboundRawEmail))]
    public async Task<Results<Accepted<AcceptedInbound>, ProblemHttpResult>> InboundRawEmail(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/inbound/email")] HttpRequest request, CancellationToken ct)
    {
        if (request.ContentType is not { } type || !type.StartsWith("message/rfc822", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.From(new DomainError(ErrorKind.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
                $"Post the raw message with Content-Type: message/rfc822; got '{request.ContentType}'."));
        }

        if (request.ContentLength > options.Value.MaxMessageBytes)
        {
            return Problems.From(DomainError.Invalid("$", $"The message is larger than {options.Value.MaxMessageBytes} bytes."));
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return await AcceptAsync(() => InboundMime.Extract(InboundMime.Parse(buffer, ct)), "raw", ct);
    }

    [ProblemCodes(ErrorKind.Validation, ErrorCodes.ValidationFailed, ErrorCodes.MalformedMime)]
    [ProblemCodes(ErrorKind.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    [Function(nameof(InboundSendGrid))]
    public async Task<Results<Accepted<AcceptedInbound>, ProblemHttpResult>> InboundSendGrid(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/inbound/sendgrid")] HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return NotForm("SendGrid Inbound Parse posts multipart/form-data");
        }

        return await ReadFieldsAsync(request, ct) is { } fields
            ? await AcceptAsync(() => InboundMime.Extract(InboundForms.FromSendGrid(fields)), "sendgrid", ct)
            : Unreadable("SendGrid");
    }

    [ProblemCodes(ErrorKind.Validation, ErrorCodes.ValidationFailed, ErrorCodes.MalformedMime)]
    [ProblemCodes(ErrorKind.Unauthorized, ErrorCodes.InvalidSignature)]
    [ProblemCodes(ErrorKind.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType)]
    [Function(nameof(InboundMailgun))]
    public async Task<Results<Accepted<AcceptedInbound>, ProblemHttpResult>> InboundMailgun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/inbound/mailgun")] HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return NotForm("Mailgun routes post multipart/form-data or application/x-www-form-urlencoded");
        }

        if (await ReadFieldsAsync(request, ct) is not { } fields)
        {
            return Unreadable("Mailgun");
        }

        if (options.Value.Mailgun.SigningKey is not { Length: > 0 } key)
        {
            return Problems.From(new DomainError(ErrorKind.Unauthorized, ErrorCodes.InvalidSignature, "Mailgun is not configured",
                "Set Inbound__Mailgun__SigningKey to the Mailgun HTTP webhook signing key to accept Mailgun posts."));
        }

        if (!MailgunSignature.IsValid(key, fields.GetValueOrDefault("timestamp") ?? "", fields.GetValueOrDefault("token") ?? "",
                fields.GetValueOrDefault("signature") ?? "", time.GetUtcNow(), MailgunMaxAge))
        {
            return Problems.From(new DomainError(ErrorKind.Unauthorized, ErrorCodes.InvalidSignature, "Invalid Mailgun signature",
                "The timestamp, token and signature do not verify with the configured signing key, or the timestamp is too old."));
        }

        return await AcceptAsync(() => InboundMime.Extract(InboundForms.FromMailgun(fields)), "mailgun", ct);
    }

    /// <summary>
    /// Azure Event Grid: answers the subscription-validation handshake, and queues ACS
    /// <c>EmailDeliveryReportReceived</c> events (Event Grid or CloudEvents schema, one or a batch).
    /// </summary>
    [ProblemCodes(ErrorKind.Validation, ErrorCodes.MalformedJson, ErrorCodes.ValidationFailed)]
    [Function(nameof(InboundEventGrid))]
    public async Task<IResult> InboundEventGrid(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/inbound/eventgrid")] HttpRequest request, CancellationToken ct)
    {
        List<(string? Type, string? ValidationCode, DeliveryReportEvent? Report)> events;
        try
        {
            // Providers add fields, so this reads leniently; a duplicate field or a field of the
            // wrong type is refused (reading it would throw).
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct);
            var nodes = body switch
            {
                JsonArray array => array.OfType<JsonObject>().ToList(),
                JsonObject single => [single],
                _ => [],
            };
            events = nodes.Select(e => ((string?)(e["eventType"] ?? e["type"]), (string?)e["data"]?["validationCode"], Report(e))).ToList();
        }
        catch (JsonException e)
        {
            return Problems.From(new DomainError(ErrorKind.Validation, ErrorCodes.MalformedJson, "The body is not valid JSON",
                $"Invalid JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}."));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            return Problems.From(DomainError.Invalid("$", "The events are not Event Grid or CloudEvents events: a field is duplicated or of the wrong type."));
        }

        if (events.FirstOrDefault(e => e.Type == "Microsoft.EventGrid.SubscriptionValidationEvent" && e.ValidationCode is not null) is { ValidationCode: { } code })
        {
            return Results.Ok(new { validationResponse = code });
        }

        // A validation request passes without an API key (see ApiKeyMiddleware): it may only validate.
        if (request.Headers["aeg-event-type"] == "SubscriptionValidation")
        {
            return Problems.From(DomainError.Invalid("$", "A SubscriptionValidation request must carry a SubscriptionValidationEvent."));
        }

        var queued = 0;
        foreach (var report in events.Select(e => e.Report).OfType<DeliveryReportEvent>())
        {
            await queue.EnqueueAsync(new InboundItem(InboundItem.ReportKind, time.GetUtcNow(), "eventgrid", Report: report), bounce: true, ct);
            queued++;
        }

        return Results.Accepted(value: new { queued });
    }

    /// <summary>An ACS <c>EmailDeliveryReportReceived</c> event (Event Grid or CloudEvents schema) as a report, or null for any other event.</summary>
    private DeliveryReportEvent? Report(JsonObject e)
    {
        var type = (string?)(e["eventType"] ?? e["type"]);
        if (type != "Microsoft.Communication.EmailDeliveryReportReceived" || e["data"] is not JsonObject data || (string?)e["id"] is not { } id)
        {
            return null;
        }

        return new DeliveryReportEvent(
            id,
            (string?)data["status"] ?? "Unknown",
            (string?)data["recipient"] ?? "",
            (string?)data["sender"],
            (string?)data["messageId"],
            (string?)data["deliveryStatusDetails"]?["statusMessage"],
            DateTimeOffset.TryParse((string?)data["deliveryAttemptTimeStamp"] ?? (string?)(e["eventTime"] ?? e["time"]), System.Globalization.CultureInfo.InvariantCulture, out var at) ? at : time.GetUtcNow());
    }

    /// <summary>The CloudEvents webhook handshake (an OPTIONS request naming the origin).</summary>
    [Function(nameof(EventGridHandshake))]
    public IResult EventGridHandshake([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "api/inbound/eventgrid")] HttpRequest request)
    {
        if (request.Headers["WebHook-Request-Origin"].ToString() is { Length: > 0 } origin)
        {
            request.HttpContext.Response.Headers["WebHook-Allowed-Origin"] = origin;
            request.HttpContext.Response.Headers["WebHook-Allowed-Rate"] = "*";
        }

        return Results.Ok();
    }

    [JsonBody(typeof(MeetingCommand))]
    [Function(nameof(MeetingBooked))]
    public async Task<Results<Accepted<AcceptedInbound>, ProblemHttpResult>> MeetingBooked(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/events/meetings")] HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<MeetingCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var errors = new Core.Validation.FieldErrors();
        if (string.IsNullOrWhiteSpace(body!.ContactId) == string.IsNullOrWhiteSpace(body.Email))
        {
            errors.Add("contactId", "Give the contact by contactId or by email (one of them).");
        }

        if (body.Email is not null && !Core.Validation.FieldErrors.IsEmail(body.Email))
        {
            errors.Add("email", $"'{body.Email}' is not an email address.");
        }

        errors.CheckId("userId", body.UserId, "The id of the user the meeting is with is required.");

        if (errors.Any)
        {
            return Problems.From(errors.ToError());
        }

        var meeting = new MeetingBooked(body.ContactId, body.Email, body.UserId!, body.BookedAt);
        await queue.EnqueueAsync(new InboundItem(InboundItem.MeetingKind, time.GetUtcNow(), "api", Meeting: meeting), bounce: false, ct);
        return TypedResults.Accepted((string?)null, new AcceptedInbound($"{body.ContactId ?? body.Email}|{body.UserId}", InboundItem.MeetingKind, "inbound"));
    }

    [QueryParameters("limit")]
    [Function(nameof(ListUnmatchedInbound))]
    public async Task<Results<Ok<ListResponse<UnmatchedInbound>>, ProblemHttpResult>> ListUnmatchedInbound(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/inbound/unmatched")] HttpRequest request, CancellationToken ct)
    {
        var given = request.Query["limit"].ToString();
        var limit = 100;
        if (given.Length > 0 && (!int.TryParse(given, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 500))
        {
            return Problems.From(DomainError.Invalid("limit", "limit is a whole number between 1 and 500."));
        }

        var items = await log.ListUnmatchedAsync(limit, ct);
        return TypedResults.Ok(new ListResponse<UnmatchedInbound>(items, items.Count));
    }

    /// <summary>Extracts (refusing malformed MIME with 400), routes bounces to their own queue, answers 202.</summary>
    private async Task<Results<Accepted<AcceptedInbound>, ProblemHttpResult>> AcceptAsync(Func<InboundEmail> extract, string source, CancellationToken ct)
    {
        InboundEmail email;
        try
        {
            email = extract();
        }
        catch (MalformedInboundException e)
        {
            return Problems.From(new DomainError(ErrorKind.Validation, ErrorCodes.MalformedMime, "The message is not valid MIME", e.Message));
        }

        var bounce = InboundClassifier.Classify(email) is InboundClass.Bounce or InboundClass.DeliveryNotice;
        await queue.EnqueueAsync(new InboundItem(InboundItem.EmailKind, time.GetUtcNow(), source, Email: email), bounce, ct);
        return TypedResults.Accepted((string?)null, new AcceptedInbound(email.MessageId, InboundItem.EmailKind, bounce ? "bounces" : "inbound"));
    }

    /// <summary>The posted form's fields, or null when it cannot be read as a form (a key over 2,048 bytes, a broken multipart body).</summary>
    private static async Task<Dictionary<string, string>?> ReadFieldsAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            var form = await request.ReadFormAsync(ct);
            return form.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
        {
            return null;
        }
    }

    private static ProblemHttpResult Unreadable(string what) =>
        Problems.From(DomainError.Invalid("$", $"The body is not a readable {what} form (fields too long, or a broken multipart body)."));

    private static ProblemHttpResult NotForm(string what) =>
        Problems.From(new DomainError(ErrorKind.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported media type", $"{what}."));
}
