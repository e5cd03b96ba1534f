using System.Text.Json;
using Azure;
using Sequences.Core.Errors;
using Sequences.Core.Model;

namespace Sequences.Storage.Tables;

/// <summary>JSON for table properties that hold lists and maps, and the failure mapping of table writes.</summary>
internal static class TableJson
{
    public static JsonSerializerOptions Options => StoredJson.Options;

    public static string Write<T>(T value) => StoredJson.Write(value);

    public static T Read<T>(string? json, T fallback) =>
        string.IsNullOrEmpty(json) ? fallback : JsonSerializer.Deserialize<T>(json, Options) ?? fallback;

    /// <summary>
    /// Splits <paramref name="json"/> across the table properties that hold at most
    /// <paramref name="maxChars"/> of it (<see cref="StoredJson.PropertyChars"/> each; unused ones
    /// null). Validation keeps values within their budget, so a value that does not fit is a bug.
    /// </summary>
    public static string?[] Split(string json, int maxChars)
    {
        var slots = maxChars / StoredJson.PropertyChars;
        var chunks = new string?[slots];
        var count = (json.Length + StoredJson.PropertyChars - 1) / StoredJson.PropertyChars;
        if (count > slots)
        {
            throw new InvalidOperationException($"A value of {json.Length} characters does not fit in {slots} table properties.");
        }

        for (var i = 0; i < count; i++)
        {
            var at = i * StoredJson.PropertyChars;
            chunks[i] = json.Substring(at, Math.Min(StoredJson.PropertyChars, json.Length - at));
        }

        return chunks;
    }

    public static string Join(params string?[] chunks) => string.Concat(chunks.Where(c => c is not null));

    public static bool IsConflict(RequestFailedException e) => e.Status is 409 or 412 || (e.Status == 404 && e.ErrorCode == "ResourceNotFound");

    public static ConcurrencyException Conflict(RequestFailedException e) => new($"Conditional write lost: {e.Status} {e.ErrorCode}", e);
}
