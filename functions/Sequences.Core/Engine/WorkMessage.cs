using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sequences.Core.Engine;

/// <summary>Kinds of work message.</summary>
public static class WorkTypes
{
    /// <summary>A step of an enrollment is due.</summary>
    public const string Step = "step";

    /// <summary>Several due steps in one queue message (the dispatcher's batches).</summary>
    public const string Batch = "batch";

    /// <summary>An operation over many enrollments, a page at a time (see <see cref="BulkOperation"/>).</summary>
    public const string Operation = "operation";

    /// <summary>An automation rule's delayed enrollment is due (the enrollment id is fixed in advance).</summary>
    public const string PendingEnrollment = "pendingEnrollment";
}

/// <summary>
/// An operation applied to every enrollment of a sequence or of a sender: one page per queue
/// message, the next page queued by the one before, so ten thousand enrollments never make one
/// long request. Each step is idempotent (pausing a paused enrollment changes nothing), so a
/// page delivered twice is harmless.
/// </summary>
public sealed record BulkOperation(
    string Type,
    string Op,
    string Scope,
    string Id,
    string? Continuation = null,
    string? Reason = null)
{
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string End = "end";
    public const string SequenceScope = "sequence";
    public const string SenderScope = "sender";

    public static BulkOperation Create(string op, string scope, string id, string? reason = null) =>
        new(WorkTypes.Operation, op, scope, id, null, reason);
}

/// <summary>What a work-queue message holds: due steps, or one page of a bulk operation.</summary>
public sealed record WorkItems(IReadOnlyList<WorkMessage> Steps, BulkOperation? Operation);

/// <summary>
/// The body of a work-queue message: one work message, or a batch of them. Batching lets the
/// dispatcher move many due timers with one enqueue (and one delete when done) instead of one each.
/// </summary>
public static class WorkEnvelope
{
    /// <summary>The most steps in one batch message (about 200 bytes each; queue messages hold 64 KiB).</summary>
    public const int MaxBatch = 32;

    private sealed record Batch(string Type, IReadOnlyList<WorkMessage> Items);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string ToJson(IReadOnlyList<WorkMessage> messages) =>
        messages.Count == 1 ? messages[0].ToJson() : JsonSerializer.Serialize(new Batch(WorkTypes.Batch, messages), Json);

    public static string ToJson(BulkOperation operation) => JsonSerializer.Serialize(operation, Json);

    /// <summary>What a queue message body holds; throws <see cref="FormatException"/> for anything else.</summary>
    public static WorkItems ParseAny(string json)
    {
        if (json.Contains("\"operation\"", StringComparison.Ordinal))
        {
            BulkOperation? op;
            try
            {
                op = JsonSerializer.Deserialize<BulkOperation>(json, Json);
            }
            catch (JsonException e)
            {
                throw new FormatException($"The work message is not valid JSON: {e.Message}", e);
            }

            if (op is { Type: WorkTypes.Operation } && !string.IsNullOrEmpty(op.Op) && !string.IsNullOrEmpty(op.Scope) && !string.IsNullOrEmpty(op.Id))
            {
                return new WorkItems([], op);
            }
        }

        return new WorkItems(Parse(json), null);
    }

    /// <summary>The work messages in a queue message body; throws <see cref="FormatException"/> for anything else.</summary>
    public static IReadOnlyList<WorkMessage> Parse(string json)
    {
        if (!json.Contains("\"batch\"", StringComparison.Ordinal))
        {
            return [WorkMessage.Parse(json)];
        }

        Batch? batch;
        try
        {
            batch = JsonSerializer.Deserialize<Batch>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The work message is not valid JSON: {e.Message}", e);
        }

        if (batch is null || batch.Type != WorkTypes.Batch)
        {
            return [WorkMessage.Parse(json)];
        }

        if (batch.Items is not { Count: > 0 } items || items.Any(i => i is null || string.IsNullOrEmpty(i.EnrollmentId) || string.IsNullOrEmpty(i.SequenceId)))
        {
            throw new FormatException("The batch work message has no items or an item without ids.");
        }

        return items;
    }
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
    DateTimeOffset DueAt,
    string? ContactId = null)
{
    public static WorkMessage ForPendingEnrollment(string sequenceId, string enrollmentId, string contactId, DateTimeOffset dueAt) =>
        new(WorkTypes.PendingEnrollment, sequenceId, enrollmentId, 0, 0, dueAt, contactId);

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
