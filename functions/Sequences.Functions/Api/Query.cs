using System.Globalization;
using Sequences.Core.Errors;
using Sequences.Core.Listing;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

/// <summary>Query-string values of the list endpoints, read strictly: a bad value is a 400 naming the parameter.</summary>
internal static class Query
{
    /// <summary>The problem a bad query value is (for the OpenAPI description of operations with a <see cref="QueryParametersAttribute"/>).</summary>
    public static readonly IReadOnlyList<(int Status, string Code)> ReadProblems = [(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed)];

    public static Result<PageRequest> Page(HttpRequest request) =>
        Paging.Parse(request.Query["limit"].ToString(), request.Query["cursor"].ToString());

    /// <summary>An optional enum value in the API's camelCase spelling; empty means "any".</summary>
    public static Result<T?> Enum<T>(HttpRequest request, string name)
        where T : struct, Enum
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return (T?)null;
        }

        if (System.Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) is { } found && char.IsLower(text[0]))
        {
            return (T?)System.Enum.Parse<T>(found);
        }

        return DomainError.Invalid(name, $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");
    }

    /// <summary>An id: required, or optional when <paramref name="required"/> is false.</summary>
    public static Result<string?> Id(HttpRequest request, string name, bool required)
    {
        var text = request.Query[name].FirstOrDefault();
        if (string.IsNullOrEmpty(text))
        {
            return required ? DomainError.Invalid(name, $"The {name} query parameter is required.") : (Result<string?>)(string?)null;
        }

        return FieldErrors.IdProblem(text) is { } problem ? DomainError.Invalid(name, problem) : (Result<string?>)text;
    }

    /// <summary>An ISO 8601 time with an offset, or <paramref name="fallback"/> when absent.</summary>
    public static Result<DateTimeOffset> Time(HttpRequest request, string name, DateTimeOffset fallback)
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at
            : DomainError.Invalid(name, $"'{text}' is not an ISO 8601 time with an offset (e.g. 2026-12-01T09:00:00+01:00 or …Z).");
    }
}
