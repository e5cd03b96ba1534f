using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sequences.Core.Errors;

namespace Sequences.Functions.Api;

/// <summary>The one mapping from domain errors to problem+json responses.</summary>
internal static class Problems
{
    public static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Rule => StatusCodes.Status422UnprocessableEntity,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.Precondition => StatusCodes.Status412PreconditionFailed,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ProblemHttpResult From(DomainError error)
    {
        var problem = new ProblemDetails
        {
            Status = StatusOf(error.Kind),
            Title = error.Title,
            Detail = error.Detail,
            Type = $"https://sequences.dev/problems/{error.Code.ToLowerInvariant().Replace('_', '-')}",
        };
        problem.Extensions["code"] = error.Code;
        if (error.Errors is { Count: > 0 } errors)
        {
            problem.Extensions["errors"] = errors;
        }

        foreach (var (k, v) in error.Extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[k] = v;
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>A problem with this exact status (for statuses no <see cref="ErrorKind"/> maps to, such as 405).</summary>
    public static ProblemHttpResult Code(int status, string code, string title, string? detail = null)
    {
        var result = From(new DomainError(status switch
        {
            401 => ErrorKind.Unauthorized,
            404 => ErrorKind.NotFound,
            409 => ErrorKind.Conflict,
            412 => ErrorKind.Precondition,
            413 => ErrorKind.TooLarge,
            415 => ErrorKind.UnsupportedMediaType,
            422 => ErrorKind.Rule,
            400 => ErrorKind.Validation,
            _ => ErrorKind.Internal,
        }, code, title, detail));
        result.ProblemDetails.Status = status;
        return result;
    }

    /// <summary>Writes a problem outside a function (the HTTP pipeline).</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string title, string? detail = null) =>
        Code(status, code, title, detail).ExecuteAsync(context);
}
