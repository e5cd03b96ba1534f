using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Storage.Tables;

/// <summary>Explicit mapping between table entities and the core's records.</summary>
internal static class Mapping
{
    public static UserEntity ToEntity(User u) => new()
    {
        PartitionKey = u.Id,
        RowKey = Keys.UserRow,
        Email = u.Email,
        Name = u.Name,
        Mailboxes = TableJson.Write(u.Mailboxes),
        DailySendLimit = u.DailySendLimit,
        TimeZone = u.TimeZone,
        Active = u.Active,
        DeliveryIssue = u.DeliveryIssue is null ? null : TableJson.Write(u.DeliveryIssue),
        CreatedAt = u.CreatedAt,
        UpdatedAt = u.UpdatedAt,
    };

    public static User ToUser(UserEntity e) => new(
        e.PartitionKey, e.Email, e.Name, TableJson.Read<List<string>>(e.Mailboxes, []), e.DailySendLimit, e.TimeZone, e.Active, e.CreatedAt, e.UpdatedAt)
    {
        DeliveryIssue = TableJson.Read<DeliveryIssue?>(e.DeliveryIssue, null),
    };

    public static ContactEntity ToEntity(Contact c)
    {
        var p = TableJson.Split(TableJson.Write(c.Properties), StoredJson.ContactPropertiesChars);
        return new ContactEntity
        {
            PartitionKey = c.Id,
            RowKey = Keys.ContactRow(c.Id),
            Email = c.Email,
            FirstName = c.FirstName,
            LastName = c.LastName,
            Company = c.Company,
            OwnerUserId = c.OwnerUserId,
            Properties0 = p[0],
            Properties1 = p[1],
            Properties2 = p[2],
            Properties3 = p[3],
            Bounced = c.Bounced,
            Unsubscribed = c.Unsubscribed,
            CreatedAt = c.CreatedAt,
            UpdatedAt = c.UpdatedAt,
        };
    }

    public static Contact ToContact(ContactEntity e) => new(
        e.PartitionKey, e.Email, e.FirstName, e.LastName, e.Company, e.OwnerUserId,
        TableJson.Read<Dictionary<string, string>>(TableJson.Join(e.Properties0, e.Properties1, e.Properties2, e.Properties3), []),
        e.Bounced, e.Unsubscribed, e.CreatedAt, e.UpdatedAt);

    private sealed record StoredStep(StepType Type, string Delay, string? Subject, string? Body, string? TaskTitle, bool ContinueWithoutCompleting);

    private sealed record StoredWindow(string Start, string End);

    private sealed record StoredSettings(bool BusinessDaysOnly, StoredWindow? SendWindow, bool ThreadFollowUps, bool UnenrollSameCompany);

    public static SequenceEntity ToEntity(Sequence s)
    {
        var steps = TableJson.Split(TableJson.Write(s.Steps.Select(x => new StoredStep(x.Type, x.Delay.ToString(), x.Subject, x.Body, x.TaskTitle, x.ContinueWithoutCompleting))), StoredJson.SequenceStepsChars);
        var w = s.Settings.SendWindow;
        return new SequenceEntity
        {
            PartitionKey = s.Id,
            RowKey = Keys.SequenceRow,
            Name = s.Name,
            OwnerUserId = s.OwnerUserId,
            SharedWith = TableJson.Write(s.SharedWithUserIds),
            SharedWithEveryone = s.SharedWithEveryone,
            Settings = WriteSettings(s.Settings),
            Steps0 = steps[0], Steps1 = steps[1], Steps2 = steps[2], Steps3 = steps[3], Steps4 = steps[4], Steps5 = steps[5],
            Steps6 = steps[6], Steps7 = steps[7], Steps8 = steps[8], Steps9 = steps[9], Steps10 = steps[10], Steps11 = steps[11],
            Version = s.Version,
            CreatedAt = s.CreatedAt,
            UpdatedAt = s.UpdatedAt,
            DeletedAt = s.DeletedAt,
        };
    }

    public static Sequence ToSequence(SequenceEntity e)
    {
        var json = TableJson.Join(e.Steps0, e.Steps1, e.Steps2, e.Steps3, e.Steps4, e.Steps5, e.Steps6, e.Steps7, e.Steps8, e.Steps9, e.Steps10, e.Steps11);
        var steps = TableJson.Read<List<StoredStep>>(json, [])
            .Select(x => new SequenceStep(x.Type, StepDelay.Parse(x.Delay), x.Subject, x.Body, x.TaskTitle, x.ContinueWithoutCompleting))
            .ToList();
        return new Sequence(e.PartitionKey, e.Name, e.OwnerUserId, TableJson.Read<List<string>>(e.SharedWith, []), e.SharedWithEveryone,
            ReadSettings(e.Settings) ?? SequenceSettings.Default, steps, e.Version, e.CreatedAt, e.UpdatedAt, e.DeletedAt);
    }

    private static string WriteSettings(SequenceSettings s) =>
        TableJson.Write(new StoredSettings(s.BusinessDaysOnly,
            s.SendWindow is { } w ? new StoredWindow(w.Start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), w.End.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)) : null,
            s.ThreadFollowUps, s.UnenrollSameCompany));

    private static SequenceSettings? ReadSettings(string? json) =>
        TableJson.Read<StoredSettings?>(json, null) is { } st
            ? new SequenceSettings(st.BusinessDaysOnly,
                st.SendWindow is null ? null : new SendWindow(TimeOnly.Parse(st.SendWindow.Start, System.Globalization.CultureInfo.InvariantCulture), TimeOnly.Parse(st.SendWindow.End, System.Globalization.CultureInfo.InvariantCulture)),
                st.ThreadFollowUps, st.UnenrollSameCompany)
            : null;

    public static EnrollmentEntity ToEntity(Enrollment x)
    {
        var events = TableJson.Split(TableJson.Write(x.Events), StoredJson.TimelineChars);
        return new EnrollmentEntity
        {
            PartitionKey = x.SequenceId,
            RowKey = x.Id,
            ContactId = x.ContactId,
            SenderUserId = x.SenderUserId,
            FromAddress = x.FromAddress,
            Tokens = x.Tokens.Count == 0 ? null : TableJson.Write(x.Tokens),
            TimeZone = x.TimeZone,
            DelayOverrides = x.DelayOverrides.Count == 0 ? null : TableJson.Write(x.DelayOverrides.ToDictionary(kv => kv.Key, kv => kv.Value.ToString())),
            TaskOverrides = x.TaskOverrides.Count == 0 ? null : TableJson.Write(x.TaskOverrides),
            EmailOverrides = x.EmailOverrides.Count == 0 ? null : TableJson.Write(x.EmailOverrides),
            Settings = x.Settings is null ? null : WriteSettings(x.Settings),
            Status = x.Status.ToString(),
            Phase = x.Phase.ToString(),
            CurrentStep = x.CurrentStep,
            DueAt = x.DueAt,
            Revision = x.Revision,
            ClaimRevision = x.ClaimRevision,
            LeaseUntil = x.LeaseUntil,
            PendingStop = x.PendingStop is null ? null : TableJson.Write(x.PendingStop),
            WorkflowId = x.WorkflowId,
            EnrolledAt = x.EnrolledAt,
            LastStepAt = x.LastStepAt,
            PausedAt = x.PausedAt,
            EndedAt = x.EndedAt,
            EndReason = x.EndReason,
            ThreadMessageId = x.ThreadMessageId,
            ThreadSubject = x.ThreadSubject,
            Deferrals = x.Deferrals,
            Planned = x.Planned.Count == 0 ? null : TableJson.Write(x.Planned),
            Events0 = events[0],
            Events1 = events[1],
            Events2 = events[2],
            Events3 = events[3],
            Events4 = events[4],
            Events5 = events[5],
        };
    }

    public static Enrollment ToEnrollment(EnrollmentEntity e) => new()
    {
        Id = e.RowKey,
        SequenceId = e.PartitionKey,
        ContactId = e.ContactId,
        SenderUserId = e.SenderUserId,
        FromAddress = e.FromAddress,
        Tokens = TableJson.Read<Dictionary<string, string>>(e.Tokens, []),
        TimeZone = e.TimeZone,
        DelayOverrides = TableJson.Read<Dictionary<int, string>>(e.DelayOverrides, []).ToDictionary(kv => kv.Key, kv => StepDelay.Parse(kv.Value)),
        TaskOverrides = TableJson.Read<Dictionary<int, TaskOverride>>(e.TaskOverrides, []),
        EmailOverrides = TableJson.Read<Dictionary<int, EmailOverride>>(e.EmailOverrides, []),
        Settings = ReadSettings(e.Settings),
        Status = Enum.Parse<EnrollmentStatus>(e.Status),
        Phase = Enum.Parse<StepPhase>(e.Phase),
        CurrentStep = e.CurrentStep,
        DueAt = e.DueAt,
        Revision = e.Revision,
        ClaimRevision = e.ClaimRevision,
        LeaseUntil = e.LeaseUntil,
        PendingStop = TableJson.Read<StopRequest?>(e.PendingStop, null),
        WorkflowId = e.WorkflowId,
        EnrolledAt = e.EnrolledAt,
        LastStepAt = e.LastStepAt,
        PausedAt = e.PausedAt,
        EndedAt = e.EndedAt,
        EndReason = e.EndReason,
        ThreadMessageId = e.ThreadMessageId,
        ThreadSubject = e.ThreadSubject,
        Deferrals = e.Deferrals,
        Planned = TableJson.Read<Dictionary<int, DateTimeOffset>>(e.Planned, []),
        Events = TableJson.Read<List<TimelineEvent>>(TableJson.Join(e.Events0, e.Events1, e.Events2, e.Events3, e.Events4, e.Events5), []),
    };

    public static TaskEntity ToEntity(TaskItem t)
    {
        var body = TableJson.Split(t.Body ?? "", 4 * StoredJson.PropertyChars);
        return new TaskEntity
        {
            PartitionKey = t.UserId,
            RowKey = t.Id,
            EnrollmentId = t.EnrollmentId,
            SequenceId = t.SequenceId,
            ContactId = t.ContactId,
            Step = t.Step,
            Type = t.Type.ToString(),
            Title = t.Title,
            Subject = t.Subject,
            Body0 = body[0],
            Body1 = body[1],
            Body2 = body[2],
            Body3 = body[3],
            ContinueWithoutCompleting = t.ContinueWithoutCompleting,
            Status = t.Status.ToString(),
            CreatedAt = t.CreatedAt,
            CompletedAt = t.CompletedAt,
        };
    }

    public static TaskItem ToTask(TaskEntity e)
    {
        var body = TableJson.Join(e.Body0, e.Body1, e.Body2, e.Body3);
        return new TaskItem(e.RowKey, e.PartitionKey, e.EnrollmentId, e.SequenceId, e.ContactId, e.Step, Enum.Parse<StepType>(e.Type), e.Title,
            e.Subject, body.Length == 0 ? null : body, e.ContinueWithoutCompleting, Enum.Parse<TaskState>(e.Status), e.CreatedAt, e.CompletedAt);
    }

    public static ActiveEnrollmentPointer ToPointer(ActivePointerEntity e) => new(e.EnrollmentId, e.SequenceId, e.ClaimedAt);
}
