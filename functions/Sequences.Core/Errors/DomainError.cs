namespace Sequences.Core.Errors;

/// <summary>How a failure maps onto a response; the HTTP layer owns the status numbers.</summary>
public enum ErrorKind
{
    /// <summary>The request itself is malformed or invalid (400).</summary>
    Validation,

    /// <summary>A referenced resource does not exist (404).</summary>
    NotFound,

    /// <summary>The request conflicts with current state (409).</summary>
    Conflict,

    /// <summary>A business rule refuses the request (422).</summary>
    Rule,

    /// <summary>The caller is not authenticated (401).</summary>
    Unauthorized,

    /// <summary>The body is not in a format the endpoint reads (415).</summary>
    UnsupportedMediaType,

    /// <summary>The request, or what it would store, is larger than can be stored (413).</summary>
    TooLarge,

    /// <summary>The caller's version (<c>If-Match</c>) is no longer current (412).</summary>
    Precondition,

    /// <summary>Something failed that is not the caller's fault (500).</summary>
    Internal,
}

/// <summary>A failure with a stable <see cref="Code"/> that clients can branch on.</summary>
public sealed record DomainError(
    ErrorKind Kind,
    string Code,
    string Title,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    IReadOnlyDictionary<string, object?>? Extensions = null)
{
    public static DomainError NotFound(string code, string what, string id) =>
        new(ErrorKind.NotFound, code, $"{what} not found", $"There is no {what.ToLowerInvariant()} with id '{id}'.");

    public static DomainError Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(ErrorKind.Validation, ErrorCodes.ValidationFailed, "The request is invalid",
            "One or more fields are invalid; see errors.", errors);

    /// <summary><paramref name="what"/> would take <paramref name="size"/> characters stored where <paramref name="limit"/> fit.</summary>
    public static DomainError TooLarge(string field, string what, int size, int limit) =>
        new(ErrorKind.TooLarge, ErrorCodes.EntityTooLarge, "Too large to store",
            FormattableString.Invariant($"{what} take {size:N0} characters stored; at most {limit:N0} fit. Shorten or remove some."),
            new Dictionary<string, string[]> { [field] = [FormattableString.Invariant($"{size:N0} characters stored; at most {limit:N0}.")] });

    public static DomainError Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>Raised (by the adapters) when a conditional write loses to another writer.</summary>
public sealed class ConcurrencyException : Exception
{
    public ConcurrencyException() : base("The record was changed by another writer.") { }
    public ConcurrencyException(string message) : base(message) { }
    public ConcurrencyException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Either a value or a <see cref="DomainError"/>.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, DomainError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }
    public DomainError? Error { get; }
    public bool IsSuccess => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);
    public static implicit operator Result<T>(DomainError error) => new(default, error);
}
