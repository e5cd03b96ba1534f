using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sequences.Core.Engine;

/// <summary>Kinds of work message.</summary>
public static class WorkTypes
{
    /// <summary>A step of an enrollment is due.</summary>
    public const string Step = "step";
}

/// <summary>
/// A work-queue message: ids and the enrollment revision it was scheduled for, never a copy of
/// state. A message whose revision no longer matches the enrollment is a no-op.
/// </summary>
public sealed record WorkMessage(
    string Type,
    string SequenceId,
    string EnrollmentId,
    int Step,
    long Revision,
    DateTimeOffset DueAt)
{
    public static WorkMessage ForStep(string sequenceId, string enrollmentId, int step, long revision, DateTimeOffset dueAt) =>
        new(WorkTypes.Step, sequenceId, enrollmentId, step, revision, dueAt);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a message; a body that is not a work message throws <see cref="FormatException"/>.</summary>
    public static WorkMessage Parse(string json)
    {
        WorkMessage? m;
        try
        {
            m = JsonSerializer.Deserialize<WorkMessage>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The work message is not valid JSON: {e.Message}", e);
        }

        if (m is null || string.IsNullOrEmpty(m.Type) || string.IsNullOrEmpty(m.EnrollmentId) || string.IsNullOrEmpty(m.SequenceId))
        {
            throw new FormatException("The work message lacks type, sequenceId or enrollmentId.");
        }

        return m;
    }
}
