using System.Text.Json;
using System.Text.Json.Nodes;
using Sequences.Functions.Hosting;

namespace Sequences.Functions.Triggers;

/// <summary>
/// The Azure Functions custom-handler protocol for non-HTTP triggers: the host POSTs
/// <c>/{FunctionName}</c> with <c>{"Data": {...}, "Metadata": {...}}</c> and expects
/// <c>{"Outputs": {...}, "Logs": [...], "ReturnValue": ...}</c>; a non-2xx reply fails the
/// invocation, so the host retries the queue message and finally moves it to the poison queue.
/// HTTP functions are forwarded as plain requests (enableForwardingHttpRequest) to the API routes.
/// </summary>
internal static class CustomHandlerEndpoints
{
    public static void MapCustomHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost($"/{WorkTrigger.FunctionName}", Work);
        app.MapPost($"/{DispatcherTrigger.FunctionName}", Dispatch);
        app.MapPost($"/{InboundTrigger.InboundFunction}", (HttpRequest r, InboundTrigger t, ILogger<InboundTrigger> l, CancellationToken ct) => Inbound(r, "inbound", t, l, ct));
        app.MapPost($"/{InboundTrigger.BouncesFunction}", (HttpRequest r, InboundTrigger t, ILogger<InboundTrigger> l, CancellationToken ct) => Inbound(r, "bounces", t, l, ct));
    }

    private static Task<IResult> Inbound(HttpRequest request, string queue, InboundTrigger trigger, ILogger logger, CancellationToken ct) =>
        QueueFunctionAsync(request, InboundTrigger.BindingName, queue == "inbound" ? InboundTrigger.InboundFunction : InboundTrigger.BouncesFunction,
            text => trigger.HandleAsync(queue, text, ct), logger, ct);

    /// <summary>A queue-triggered function: the message text from the envelope, the handler, the protocol's reply.</summary>
    private static async Task<IResult> QueueFunctionAsync(HttpRequest request, string binding, string function, Func<string, Task> handle, ILogger logger, CancellationToken ct)
    {
        var envelope = await ReadEnvelopeAsync(request, ct);
        if (envelope is null)
        {
            return Reply(StatusCodes.Status400BadRequest, "The request is not a custom-handler invocation ({\"Data\": ..., \"Metadata\": ...}).");
        }

        var text = MessageText(Property(Property(envelope, "Data"), binding));
        if (text is null)
        {
            return Reply(StatusCodes.Status400BadRequest, $"Data.{binding} is missing.");
        }

        try
        {
            await handle(text);
            return Reply(StatusCodes.Status200OK, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.EnvelopeFailed(function, e);
            return Reply(StatusCodes.Status500InternalServerError, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static Task<IResult> Work(HttpRequest request, WorkTrigger trigger, ILogger<WorkTrigger> logger, CancellationToken ct) =>
        QueueFunctionAsync(request, WorkTrigger.BindingName, WorkTrigger.FunctionName, text => trigger.HandleAsync(text, ct), logger, ct);

    private static async Task<IResult> Dispatch(HttpRequest request, DispatcherTrigger trigger, ILogger<DispatcherTrigger> logger, CancellationToken ct)
    {
        if (await ReadEnvelopeAsync(request, ct) is null)
        {
            return Reply(StatusCodes.Status400BadRequest, "The request is not a custom-handler invocation.");
        }

        try
        {
            var moved = await trigger.RunAsync(ct);
            return Reply(StatusCodes.Status200OK, $"Moved {moved} due timers onto the work queue.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.EnvelopeFailed(DispatcherTrigger.FunctionName, e);
            return Reply(StatusCodes.Status500InternalServerError, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task<JsonObject?> ReadEnvelopeAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: ct);
            return node is JsonObject o && Property(o, "Data") is JsonObject ? o : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The host writes PascalCase names; accept any casing.</summary>
    private static JsonNode? Property(JsonNode? node, string name) =>
        node is JsonObject o ? o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;

    /// <summary>
    /// The queue message text. The host JSON-encodes the message string (so a JSON message arrives
    /// as a string holding JSON, sometimes encoded once more); an object is accepted as is.
    /// </summary>
    internal static string? MessageText(JsonNode? data)
    {
        for (var depth = 0; depth < 3 && data is JsonValue v && v.TryGetValue<string>(out var s); depth++)
        {
            var trimmed = s.TrimStart();
            if (!trimmed.StartsWith('"'))
            {
                return s;
            }

            try
            {
                data = JsonNode.Parse(s);
            }
            catch (JsonException)
            {
                return s;
            }
        }

        return data switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            _ => data.ToJsonString(),
        };
    }

    /// <summary>Names exactly as the protocol spells them (the API's camelCase policy does not apply).</summary>
    private static readonly JsonSerializerOptions EnvelopeJson = new() { PropertyNamingPolicy = null };

    /// <summary>The host needs a JSON body even on success; logs become invocation log lines.</summary>
    private static IResult Reply(int status, string? log) =>
        Results.Json(new { Outputs = new { }, Logs = log is null ? Array.Empty<string>() : [log], ReturnValue = (object?)null }, EnvelopeJson, statusCode: status);
}
