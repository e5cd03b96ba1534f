using System.Net;
using Sequences.Core.Engine;

namespace Sequences.Functions.Api;

/// <summary>
/// The unsubscribe link. GET shows a confirmation page and changes nothing (mail scanners follow
/// links); POST unsubscribes — both the page's button and RFC 8058 one-click posts from mail clients.
/// No login, no API key: the token is signed.
/// </summary>
internal static class UnsubscribeEndpoints
{
    public static void MapUnsubscribe(this IEndpointRouteBuilder app)
    {
        app.MapGet("/unsubscribe/{token}", Confirm);
        app.MapPost("/unsubscribe/{token}", Unsubscribe).DisableAntiforgery();
    }

    private static async Task<IResult> Confirm(string token, UnsubscribeService service, CancellationToken ct)
    {
        var result = await service.ReadAsync(token, ct);
        if (result.Error is { } error)
        {
            return Page(StatusCodes.Status404NotFound, "Link not valid", WebUtility.HtmlEncode(error.Detail ?? ""));
        }

        var email = WebUtility.HtmlEncode(result.Value!.Email ?? "your address");
        var action = WebUtility.HtmlEncode(token);
        return Page(StatusCodes.Status200OK, "Unsubscribe",
            $"<p>Stop sales emails to <strong>{email}</strong>?</p>" +
            $"<form method=\"post\" action=\"{action}\"><button type=\"submit\">Unsubscribe</button></form>");
    }

    private static async Task<IResult> Unsubscribe(string token, UnsubscribeService service, CancellationToken ct)
    {
        var result = await service.UnsubscribeAsync(token, ct);
        return result.Error is { } error
            ? Page(StatusCodes.Status404NotFound, "Link not valid", WebUtility.HtmlEncode(error.Detail ?? ""))
            : Page(StatusCodes.Status200OK, "Unsubscribed", $"<p>{WebUtility.HtmlEncode(result.Value!.Email ?? "You")} will get no more emails from these sequences.</p>");
    }

    private static IResult Page(int status, string title, string body) =>
        Results.Content(
            $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>",
            "text/html; charset=utf-8",
            statusCode: status);
}
