namespace Sequences.Core.Validation;

// Request shapes as clients send them. Fields are nullable and loosely typed (strings for enums and
// durations) so that every mistake becomes a field error with a clear message, not a parse failure.

public sealed record UserCommand(
    string? Email,
    string? Name,
    IReadOnlyList<string>? Mailboxes = null,
    int? DailySendLimit = null,
    string? TimeZone = null,
    bool? Active = null);

public sealed record ContactCommand(
    string? Email = null,
    string? FirstName = null,
    string? LastName = null,
    string? Company = null,
    string? OwnerUserId = null,
    IReadOnlyDictionary<string, string>? Properties = null);

public sealed record StepCommand(
    string? Type,
    string? Delay,
    string? Subject = null,
    string? Body = null,
    string? TaskTitle = null,
    bool? ContinueWithoutCompleting = null);

public sealed record SendWindowCommand(string? Start, string? End);

public sealed record SettingsCommand(
    bool? BusinessDaysOnly = null,
    SendWindowCommand? SendWindow = null,
    bool? ThreadFollowUps = null,
    bool? UnenrollSameCompany = null);

public sealed record SequenceCommand(
    string? Name,
    string? OwnerUserId,
    IReadOnlyList<StepCommand>? Steps,
    IReadOnlyList<string>? SharedWithUserIds = null,
    bool? SharedWithEveryone = null,
    SettingsCommand? Settings = null);

public sealed record TaskOverrideCommand(string? Title = null, bool? ContinueWithoutCompleting = null);

public sealed record EmailOverrideCommand(string? Subject = null, string? Body = null);

/// <summary>A change to several enrollments named by id: <c>unenroll</c>, <c>pause</c> or <c>resume</c>.</summary>
public sealed record BulkActionCommand(string? Action, IReadOnlyList<string>? EnrollmentIds);

public sealed record EnrollCommand(
    string? ContactId,
    string? SenderUserId,
    string? FromAddress = null,
    IReadOnlyDictionary<string, string>? Tokens = null,
    int? StartAtStep = null,
    string? TimeZone = null,
    DateTimeOffset? SendFirstAt = null,
    IReadOnlyDictionary<string, string>? DelayOverrides = null,
    IReadOnlyDictionary<string, TaskOverrideCommand>? TaskOverrides = null,
    IReadOnlyDictionary<string, EmailOverrideCommand>? EmailOverrides = null,
    EnrollmentSettingsCommand? Settings = null,
    bool? CreateTaskImmediately = null);

/// <summary>This enrollment's settings from its second step on; each one left out is the sequence's.</summary>
public sealed record EnrollmentSettingsCommand(bool? BusinessDaysOnly = null, SendWindowCommand? SendWindow = null, bool? ThreadFollowUps = null);

/// <summary>One contact of a bulk enrollment; its fields override the request's common options (tokens are merged).</summary>
public sealed record BulkContactCommand(
    string? ContactId,
    IReadOnlyDictionary<string, string>? Tokens = null,
    string? FromAddress = null,
    int? StartAtStep = null,
    string? TimeZone = null,
    DateTimeOffset? SendFirstAt = null,
    IReadOnlyDictionary<string, string>? DelayOverrides = null,
    IReadOnlyDictionary<string, TaskOverrideCommand>? TaskOverrides = null,
    IReadOnlyDictionary<string, EmailOverrideCommand>? EmailOverrides = null,
    EnrollmentSettingsCommand? Settings = null,
    bool? CreateTaskImmediately = null);

public sealed record BulkEnrollCommand(
    string? SenderUserId,
    IReadOnlyList<BulkContactCommand>? Contacts,
    string? FromAddress = null,
    IReadOnlyDictionary<string, string>? Tokens = null,
    int? StartAtStep = null,
    string? TimeZone = null,
    DateTimeOffset? SendFirstAt = null,
    IReadOnlyDictionary<string, string>? DelayOverrides = null,
    IReadOnlyDictionary<string, TaskOverrideCommand>? TaskOverrides = null,
    IReadOnlyDictionary<string, EmailOverrideCommand>? EmailOverrides = null,
    EnrollmentSettingsCommand? Settings = null,
    bool? CreateTaskImmediately = null)
{
    /// <summary>The single-enrollment command for one contact: its own values over the common ones.</summary>
    public EnrollCommand For(BulkContactCommand c)
    {
        var tokens = new Dictionary<string, string>(Tokens ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (k, v) in c.Tokens ?? new Dictionary<string, string>())
        {
            tokens[k] = v;
        }

        return new EnrollCommand(
            c.ContactId,
            SenderUserId,
            c.FromAddress ?? FromAddress,
            tokens,
            c.StartAtStep ?? StartAtStep,
            c.TimeZone ?? TimeZone,
            c.SendFirstAt ?? SendFirstAt,
            c.DelayOverrides ?? DelayOverrides,
            c.TaskOverrides ?? TaskOverrides,
            c.EmailOverrides ?? EmailOverrides,
            c.Settings ?? Settings,
            c.CreateTaskImmediately ?? CreateTaskImmediately);
    }
}

public sealed record ListFilterCommand(string? Property, string? Operator, string? Value = null);

/// <summary>A list's new name.</summary>
public sealed record ContactListRenameCommand(string? Name);

/// <summary>A new list: <c>static</c> with <c>contactIds</c>, or <c>active</c> with <c>filters</c>.</summary>
public sealed record ContactListCommand(string? Name, string? Type, IReadOnlyList<string>? ContactIds = null, IReadOnlyList<ListFilterCommand>? Filters = null);
