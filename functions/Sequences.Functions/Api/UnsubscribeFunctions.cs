using System.Net;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Sequences.Core.Engine;

namespace Sequences.Functions.Api;

/// <summary>
/// The unsubscribe link. GET shows a confirmation page and changes nothing (mail scanners follow
/// links); POST unsubscribes — both the page's button and RFC 8058 one-click posts from mail clients.
/// No login, no API key: the token is signed.
/// </summary>
internal sealed class UnsubscribeFunctions(UnsubscribeService service)
{
    [Function(nameof(ConfirmUnsubscribe))]
    public async Task<IResult> ConfirmUnsubscribe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "unsubscribe/{token}")] HttpRequest request, string token, CancellationToken ct)
    {
        var result = await service.ReadAsync(token, ct);
        if (result.Error is { } error)
        {
            return Page(request, StatusCodes.Status404NotFound, "Link not valid", WebUtility.HtmlEncode(error.Detail ?? ""));
        }

        var email = WebUtility.HtmlEncode(result.Value!);
        var action = WebUtility.HtmlEncode(token);
        return Page(request, StatusCodes.Status200OK, "Unsubscribe",
            $"<p>Stop sales emails to <strong>{email}</strong>?</p>" +
            $"<form method=\"post\" action=\"{action}\"><button type=\"submit\">Unsubscribe</button></form>");
    }

    /// <summary>Ends the contact's enrollment, so it wakes the workflow (see <see cref="Workflow.DurableClientAccessor"/>).</summary>
    [Function(nameof(Unsubscribe))]
    public async Task<IResult> Unsubscribe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "unsubscribe/{token}")] HttpRequest request, string token,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct)
    {
        var result = await service.UnsubscribeAsync(token, ct);
        return result.Error is { } error
            ? Page(request, StatusCodes.Status404NotFound, "Link not valid", WebUtility.HtmlEncode(error.Detail ?? ""))
            : Page(request, StatusCodes.Status200OK, "Unsubscribed", $"<p>{WebUtility.HtmlEncode(result.Value!)} will get no more emails from these sequences.</p>");
    }

    /// <summary>The page, sent with <c>Referrer-Policy: no-referrer</c>: the token in its URL must not leak to other sites.</summary>
    private static IResult Page(HttpRequest request, int status, string title, string body)
    {
        request.HttpContext.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(
            $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>",
            "text/html; charset=utf-8",
            statusCode: status);
    }
}
