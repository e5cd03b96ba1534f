using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sequences.Core.Model;

/// <summary>
/// How lists and maps of a record are stored (as JSON in table properties) and how much of each
/// fits. Table Storage holds at most 64 KiB (32K UTF-16 characters) in one string property and
/// 1 MiB in one entity, so a field that could grow past a property is split across several, and
/// validation refuses, up front, what would not fit (<c>ENTITY_TOO_LARGE</c>).
/// </summary>
public static class StoredJson
{
    /// <summary>Non-ASCII text is stored as itself, not as <c>\uXXXX</c> escapes (six times the room).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Characters of JSON per table property (under the 32K limit).</summary>
    public const int PropertyChars = 30_000;

    /// <summary>A contact's properties: 4 table properties.</summary>
    public const int ContactPropertiesChars = 4 * PropertyChars;

    /// <summary>A sequence's steps: 12 table properties.</summary>
    public const int SequenceStepsChars = 12 * PropertyChars;

    /// <summary>An enrollment's timeline: 6 table properties; the oldest events roll off past this.</summary>
    public const int TimelineChars = 6 * PropertyChars;

    /// <summary>An enrollment's tokens, or its task overrides: one table property each.</summary>
    public const int SinglePropertyChars = PropertyChars;

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static int Length<T>(T value) => Write(value).Length;
}
