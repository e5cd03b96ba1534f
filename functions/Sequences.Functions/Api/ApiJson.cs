using System.Text.Json;
using System.Text.Json.Serialization;
using Sequences.Core.Errors;

namespace Sequences.Functions.Api;

/// <summary>The API's JSON: camelCase, enums as camelCase strings, nulls omitted, unknown fields refused.</summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public const long MaxBodyBytes = 1024 * 1024;

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
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
            return (null, DomainError.Invalid("$", $"The body is larger than {MaxBodyBytes} bytes."));
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return (null, DomainError.Invalid("$", $"The body is larger than {MaxBodyBytes} bytes."));
        }

        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        try
        {
            using var _ = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            return (null, new DomainError(ErrorKind.Validation, ErrorCodes.MalformedJson, "The body is not valid JSON",
                $"Invalid JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {FirstSentence(e.Message)}"));
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

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
