using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Sequences.Core.Errors;

namespace Sequences.Storage.Tables;

/// <summary>JSON for table properties that hold lists and maps, and the failure mapping of table writes.</summary>
internal static class TableJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string? json, T fallback) =>
        string.IsNullOrEmpty(json) ? fallback : JsonSerializer.Deserialize<T>(json, Options) ?? fallback;

    /// <summary>
    /// A string property holds at most 64 KiB (32K UTF-16 chars); longer JSON is split across
    /// numbered properties (the entity itself may hold up to 1 MiB).
    /// </summary>
    public const int ChunkChars = 30_000;

    /// <summary>Splits <paramref name="json"/> into exactly <paramref name="slots"/> chunks (unused ones null).</summary>
    public static string?[] Split(string json, int slots)
    {
        var chunks = new string?[slots];
        var count = (json.Length + ChunkChars - 1) / ChunkChars;
        if (count > slots)
        {
            throw new InvalidOperationException($"A value of {json.Length} characters does not fit in {slots} table properties.");
        }

        for (var i = 0; i < count; i++)
        {
            chunks[i] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - i * ChunkChars));
        }

        return chunks;
    }

    public static string Join(params string?[] chunks) => string.Concat(chunks.Where(c => c is not null));

    public static bool IsConflict(RequestFailedException e) => e.Status is 409 or 412 || (e.Status == 404 && e.ErrorCode == "ResourceNotFound");

    public static ConcurrencyException Conflict(RequestFailedException e) => new($"Conditional write lost: {e.Status} {e.ErrorCode}", e);
}
