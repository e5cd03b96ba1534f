using System.Text.Json;
using System.Text.Json.Serialization;
using Sequences.Core.Errors;

namespace Sequences.Functions.Api;

/// <summary>
/// The API's JSON: camelCase, enums as camelCase strings, nulls omitted. Reading is strict: field
/// names match exactly (case included), unknown and duplicate fields are refused, numbers are
/// numbers (not strings), and text holding U+0000 or an unpaired surrogate (which cannot be
/// stored) is refused. Provider payloads (Event Grid, SendGrid, Mailgun) are read elsewhere, leniently.
/// </summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>The problems <see cref="ReadAsync"/> answers (for the OpenAPI description of operations with a <see cref="JsonBodyAttribute"/>).</summary>
    public static readonly IReadOnlyList<(int Status, string Code)> ReadProblems =
    [
        (StatusCodes.Status400BadRequest, ErrorCodes.MalformedJson),
        (StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed),
        (StatusCodes.Status413PayloadTooLarge, ErrorCodes.EntityTooLarge),
        (StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType),
    ];

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.PropertyNameCaseInsensitive = false;
        o.NumberHandling = JsonNumberHandling.Strict;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        o.AllowTrailingCommas = false;
        o.ReadCommentHandling = JsonCommentHandling.Disallow;
        return o;
    }

    /// <summary>
    /// Reads a JSON body. A body that is not JSON at all is MALFORMED_JSON (with line and
    /// position); valid JSON with a field of the wrong type or an unknown field is
    /// VALIDATION_FAILED naming the field.
    /// </summary>
    public static async Task<(T? Value, DomainError? Error)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
        {
            return (null, DomainError.Invalid("$", "A JSON body is required."));
        }

        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new DomainError(ErrorKind.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
                $"The body must be JSON (Content-Type: application/json); got '{type}'."));
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, BodyTooLarge(request.ContentLength.Value));
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return (null, BodyTooLarge(buffer.Length));
        }

        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (Unstorable(document.RootElement, "$") is { } refused)
            {
                return (null, refused);
            }
        }
        catch (JsonException e)
        {
            // The position only: the parser's own wording is not part of the API.
            return (null, new DomainError(ErrorKind.Validation, ErrorCodes.MalformedJson, "The body is not valid JSON",
                $"Invalid JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes.Span, Options);
            return value is null ? (null, DomainError.Invalid("$", "A JSON object is required, not null.")) : (value, null);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "Unknown field."
                : $"Wrong type: expected {Describe(TypeAt(typeof(T), path))}.";
            return (null, DomainError.Invalid(path, message));
        }
    }

    private static DomainError BodyTooLarge(long size) =>
        new(ErrorKind.TooLarge, ErrorCodes.EntityTooLarge, "The body is too large",
            FormattableString.Invariant($"The body is {size:N0} bytes; at most {MaxBodyBytes:N0} (1 MiB) are read."));

    /// <summary>A duplicate field, or text that cannot be stored (U+0000, an unpaired surrogate), anywhere in the body.</summary>
    private static DomainError? Unstorable(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var at = path == "$" ? property.Name : $"{path}.{property.Name}";
                    if (Text(property, out var name) is { } badName)
                    {
                        return DomainError.Invalid(path, $"A field name {badName}.");
                    }

                    if (!names.Add(name))
                    {
                        return DomainError.Invalid(at, "Duplicate field.");
                    }

                    if (Unstorable(property.Value, at) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Unstorable(item, $"{path}[{i++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.String:
                return TextProblem(() => element.GetString()!) is { } bad ? DomainError.Invalid(path, $"The text {bad}.") : null;
            default:
                return null;
        }
    }

    private static string? Text(JsonProperty property, out string name)
    {
        var read = "";
        var problem = TextProblem(() => read = property.Name);
        name = read;
        return problem;
    }

    private static string? TextProblem(Func<string> read)
    {
        string text;
        try
        {
            text = read();
        }
        catch (InvalidOperationException)
        {
            return "holds an unpaired surrogate (\\uD800-\\uDFFF without its pair)";
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return "holds U+0000, which cannot be stored";
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return "holds an unpaired surrogate (\\uD800-\\uDFFF without its pair)";
            }
        }

        return null;
    }

    /// <summary>The CLR type a JSON path (<c>steps[0].delay</c>) binds to, found from the request type.</summary>
    private static Type? TypeAt(Type root, string path)
    {
        if (path == "$")
        {
            return root;
        }

        Type? current = root;
        foreach (var raw in path.Split('.'))
        {
            var name = raw;
            var bracket = raw.IndexOf('[', StringComparison.Ordinal);
            var indexed = bracket >= 0;
            if (indexed)
            {
                name = raw[..bracket];
            }

            current = Unwrap(current)?.GetProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType
                ?? (Element(current) is { } dictValue && !indexed ? dictValue : null);
            if (current is null)
            {
                return null;
            }

            if (indexed)
            {
                current = Element(current);
            }
        }

        return current;
    }

    private static Type? Unwrap(Type? t) => t is null ? null : Nullable.GetUnderlyingType(t) ?? t;

    /// <summary>The element type of a list or the value type of a dictionary.</summary>
    private static Type? Element(Type? t)
    {
        if (t is null)
        {
            return null;
        }

        if (t.IsArray)
        {
            return t.GetElementType();
        }

        var generic = t.IsGenericType ? t.GetGenericArguments() : [];
        return generic.Length switch
        {
            1 => generic[0],
            2 => generic[1],
            _ => null,
        };
    }

    private static string Describe(Type? type)
    {
        var t = Unwrap(type);
        return t switch
        {
            null => "another type",
            _ when t == typeof(int) || t == typeof(long) => "an integer",
            _ when t == typeof(bool) => "true or false",
            _ when t == typeof(string) => "a string",
            _ when t == typeof(DateTimeOffset) => "an ISO-8601 date-time with offset (2026-11-23T09:00:00Z)",
            _ when t.IsGenericType && t.GetGenericArguments().Length == 2 => "an object",
            _ when t.IsArray || (t.IsGenericType && t.GetGenericArguments().Length == 1) => "an array",
            _ => "an object",
        };
    }
}
