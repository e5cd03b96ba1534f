using Azure;
using Azure.Data.Tables;

namespace Sequences.Storage.Tables;

// Typed table entities, private to this adapter and mapped explicitly to the core's records
// (see Mapping). Keys are built in Keys only.

internal static class Keys
{
    public const string UserRow = "user";
    public const string LedgerPrefix = "ledger|";
    public const string SenderIndexPrefix = "enr|";
    public const string SenderIndexEnd = "enr}";
    public const string BulkRow = "bulk";

    /// <summary>A send-ledger row in the user's partition: one per UTC hour with emails.</summary>
    public static string LedgerRow(DateTimeOffset hour) =>
        LedgerPrefix + hour.UtcDateTime.ToString("yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture);

    public static DateTimeOffset LedgerHour(string rowKey) =>
        new(DateTime.ParseExact(rowKey[LedgerPrefix.Length..], "yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal), TimeSpan.Zero);

    // Rows of tables with many partitions carry their partition's id in the row key too (contacts,
    // idempotency keys, inbound marks): Azurite finds a point read's row by its row key first, then
    // the partition among those, so a constant row key made every read of a contact walk all
    // contacts (about 1 s a page of 50 at 50,000). Users and sequences, being few, keep theirs.
    public static string ContactRow(string contactId) => "contact|" + contactId;

    public static string ActiveRow(string contactId) => "active|" + contactId;

    public const string SequenceRow = "sequence";
    public const string HistoryPrefix = "enr|";

    /// <summary>'|' + 1: the exclusive upper bound of the history rows.</summary>
    public const string HistoryEnd = "enr}";

    public static string History(string enrollmentId) => HistoryPrefix + enrollmentId;
}

internal abstract class EntityBase : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}

internal sealed class UserEntity : EntityBase
{
    public string Email { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Mailboxes { get; set; }
    public int DailySendLimit { get; set; }
    public string? TimeZone { get; set; }
    public bool Active { get; set; }
    public string? DeliveryIssue { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ContactEntity : EntityBase
{
    public string? Email { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Company { get; set; }
    public string? OwnerUserId { get; set; }
    public string? Properties0 { get; set; }
    public string? Properties1 { get; set; }
    public string? Properties2 { get; set; }
    public string? Properties3 { get; set; }
    public bool Bounced { get; set; }
    public bool Unsubscribed { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ActivePointerEntity : EntityBase
{
    public string EnrollmentId { get; set; } = "";
    public string SequenceId { get; set; } = "";
    public DateTimeOffset ClaimedAt { get; set; }
}

internal sealed class ContactHistoryEntity : EntityBase
{
    public string EnrollmentId { get; set; } = "";
    public string SequenceId { get; set; } = "";
    public DateTimeOffset EnrolledAt { get; set; }
}

internal sealed class SequenceEntity : EntityBase
{
    public string Name { get; set; } = "";
    public string OwnerUserId { get; set; } = "";
    public string? SharedWith { get; set; }
    public bool SharedWithEveryone { get; set; }
    public string? Settings { get; set; }
    public string? Steps0 { get; set; }
    public string? Steps1 { get; set; }
    public string? Steps2 { get; set; }
    public string? Steps3 { get; set; }
    public string? Steps4 { get; set; }
    public string? Steps5 { get; set; }
    public string? Steps6 { get; set; }
    public string? Steps7 { get; set; }
    public string? Steps8 { get; set; }
    public string? Steps9 { get; set; }
    public string? Steps10 { get; set; }
    public string? Steps11 { get; set; }
    public int Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
}

internal sealed class EnrollmentEntity : EntityBase
{
    public string ContactId { get; set; } = "";
    public string SenderUserId { get; set; } = "";
    public string FromAddress { get; set; } = "";
    public string? Tokens { get; set; }
    public string TimeZone { get; set; } = "UTC";
    public string? DelayOverrides { get; set; }
    public string? TaskOverrides { get; set; }
    public string? EmailOverrides { get; set; }
    public string? Settings { get; set; }
    public string Status { get; set; } = "";
    public string Phase { get; set; } = "";
    public int CurrentStep { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public long Revision { get; set; }
    public long? ClaimRevision { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public string? PendingStop { get; set; }
    public string? WorkflowId { get; set; }
    public DateTimeOffset EnrolledAt { get; set; }
    public DateTimeOffset? LastStepAt { get; set; }
    public DateTimeOffset? PausedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? EndReason { get; set; }
    public string? ThreadMessageId { get; set; }
    public string? ThreadSubject { get; set; }
    public int Deferrals { get; set; }
    public string? Planned { get; set; }
    public string? Events0 { get; set; }
    public string? Events1 { get; set; }
    public string? Events2 { get; set; }
    public string? Events3 { get; set; }
    public string? Events4 { get; set; }
    public string? Events5 { get; set; }
}

internal sealed class TaskEntity : EntityBase
{
    public string EnrollmentId { get; set; } = "";
    public string SequenceId { get; set; } = "";
    public string ContactId { get; set; } = "";
    public int Step { get; set; }
    public string Type { get; set; } = "";
    public string Title { get; set; } = "";
    public string? Subject { get; set; }
    public string? Body0 { get; set; }
    public string? Body1 { get; set; }
    public string? Body2 { get; set; }
    public string? Body3 { get; set; }
    public bool ContinueWithoutCompleting { get; set; }
    public string Status { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

internal sealed class ReconcileEntity : EntityBase
{
    public DateTimeOffset RanAt { get; set; }
    public int Overdue { get; set; }
    public DateTimeOffset? OldestDueAt { get; set; }
    public int Woken { get; set; }
    public int Started { get; set; }
}

internal sealed class SecretEntity : EntityBase
{
    public string Value { get; set; } = "";
}

internal sealed class LedgerEntity : EntityBase
{
    public int Planned { get; set; }
}

internal sealed class SenderIndexEntity : EntityBase
{
    public string SequenceId { get; set; } = "";
    public DateTimeOffset EnrolledAt { get; set; }
}

internal sealed class BulkCursorEntity : EntityBase
{
    public DateTimeOffset NextSlotAt { get; set; }
}
