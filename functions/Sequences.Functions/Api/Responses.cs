using Sequences.Core.Model;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

// Response shapes. Mapped explicitly from the domain so the API contract does not drift with it.

internal sealed record UserResponse(
    string Id, string Email, string Name, IReadOnlyList<string> Mailboxes, int DailySendLimit, string? TimeZone, bool Active,
    DeliveryIssue? DeliveryIssue, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static UserResponse From(User u) => new(u.Id, u.Email, u.Name, u.Mailboxes, u.DailySendLimit, u.TimeZone, u.Active, u.DeliveryIssue, u.CreatedAt, u.UpdatedAt);
}

internal sealed record ContactResponse(
    string Id, string? Email, string? FirstName, string? LastName, string? Company, string? OwnerUserId,
    IReadOnlyDictionary<string, string> Properties, bool Bounced, bool Unsubscribed, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ContactResponse From(Contact c) =>
        new(c.Id, c.Email, c.FirstName, c.LastName, c.Company, c.OwnerUserId, c.Properties, c.Bounced, c.Unsubscribed, c.CreatedAt, c.UpdatedAt);
}

internal sealed record StepResponse(string Type, string Delay, string? Subject, string? Body, string? TaskTitle, bool? ContinueWithoutCompleting);

internal sealed record SendWindowResponse(string Start, string End);

internal sealed record SettingsResponse(bool BusinessDaysOnly, SendWindowResponse? SendWindow, bool ThreadFollowUps, bool UnenrollSameCompany);

internal sealed record SequenceResponse(
    string Id, string Name, string OwnerUserId, IReadOnlyList<string> SharedWithUserIds, bool SharedWithEveryone,
    SettingsResponse Settings, IReadOnlyList<StepResponse> Steps, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? DeletedAt)
{
    public static SequenceResponse From(Sequence s)
    {
        var w = s.Settings.SendWindow;
        return new(s.Id, s.Name, s.OwnerUserId, s.SharedWithUserIds, s.SharedWithEveryone,
            new SettingsResponse(s.Settings.BusinessDaysOnly,
                w is null ? null : new SendWindowResponse(w.Start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), w.End.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)),
                s.Settings.ThreadFollowUps, s.Settings.UnenrollSameCompany),
            s.Steps.Select(x => new StepResponse(StepTypes.Name(x.Type), x.Delay.ToString(), x.Subject, x.Body, x.TaskTitle,
                x.CreatesTask ? x.ContinueWithoutCompleting : null)).ToList(),
            s.Version, s.CreatedAt, s.UpdatedAt, s.DeletedAt);
    }
}

internal sealed record EventResponse(
    string Type, DateTimeOffset At, int? Step, string? MessageId, string? Subject, string? TaskId, string? Reason, string? Detail)
{
    public static EventResponse From(TimelineEvent e) => new(e.Type, e.At, e.Step, e.MessageId, e.Subject, e.TaskId, e.Reason, e.Detail);
}

/// <summary>An unenroll or pause accepted while the current step's email was being sent (202): applied when that send ends.</summary>
internal sealed record PendingStopResponse(string Action, string? Reason, DateTimeOffset RequestedAt)
{
    public static PendingStopResponse? From(StopRequest? s) => s is null ? null : new(s.Action, s.Reason, s.RequestedAt);
}

internal sealed record EnrollmentResponse(
    string Id, string SequenceId, string ContactId, string SenderUserId, string FromAddress, EnrollmentStatus Status, int CurrentStep,
    DateTimeOffset? NextActionAt, string TimeZone, DateTimeOffset EnrolledAt, DateTimeOffset? EndedAt, string? EndReason,
    string? PauseReason, PendingStopResponse? PendingStop, IReadOnlyList<EventResponse>? Events)
{
    public static EnrollmentResponse From(Enrollment e, bool withEvents = true) =>
        new(e.Id, e.SequenceId, e.ContactId, e.SenderUserId, e.FromAddress, e.Status, e.CurrentStep, e.NextActionAt, e.TimeZone,
            e.EnrolledAt, e.EndedAt, e.EndReason, e.PauseReason, PendingStopResponse.From(e.PendingStop),
            withEvents ? e.Events.Select(EventResponse.From).ToList() : null);
}

/// <summary>A list: the items of this page, how many, and the cursor of the next page (null on the last; lists without paging always null).</summary>
internal sealed record ListResponse<T>(IReadOnlyList<T> Items, int Count, string? NextCursor = null)
{
    public static ListResponse<T> From<TItem>(Core.Ports.ListPage<TItem> page, Func<TItem, T> map) =>
        new(page.Items.Select(map).ToList(), page.Items.Count, Core.Listing.Paging.Encode(page.After));
}

internal sealed record HeadlineStatsResponse(int Enrolled, int Active, int Paused, int Finished, int Unenrolled, int EmailsSent, int Replies, int MeetingsBooked);

internal sealed record SequenceSummaryResponse(
    string Id, string Name, string OwnerUserId, IReadOnlyList<string> SharedWithUserIds, bool SharedWithEveryone, int StepCount,
    DateTimeOffset UpdatedAt, DateTimeOffset? DeletedAt, HeadlineStatsResponse? Stats, DateTimeOffset? StatsAsOf)
{
    public static SequenceSummaryResponse From(Core.Engine.SequenceRow r)
    {
        var s = r.Sequence;
        var h = r.Stats;
        return new(s.Id, s.Name, s.OwnerUserId, s.SharedWithUserIds, s.SharedWithEveryone, s.Steps.Count, s.UpdatedAt, s.DeletedAt,
            h is null ? null : new HeadlineStatsResponse(h.Enrolled, h.Active, h.Paused, h.Finished, h.Unenrolled, h.EmailsSent, h.Replies, h.MeetingsBooked),
            r.StatsAsOf);
    }
}

/// <summary>An enrollment in a list: its state without the timeline, and who the contact is.</summary>
internal sealed record EnrollmentRowResponse(
    string Id, string SequenceId, string ContactId, string? ContactName, string? ContactEmail, string SenderUserId, EnrollmentStatus Status,
    int CurrentStep, DateTimeOffset? NextActionAt, DateTimeOffset EnrolledAt, DateTimeOffset? EndedAt, string? EndReason, string? PauseReason)
{
    public static EnrollmentRowResponse From(Core.Engine.EnrollmentRow r)
    {
        var e = r.Enrollment;
        return new(e.Id, e.SequenceId, e.ContactId, r.Contact?.FullName, r.Contact?.Email, e.SenderUserId, e.Status, e.CurrentStep, e.NextActionAt,
            e.EnrolledAt, e.EndedAt, e.EndReason, e.PauseReason);
    }
}

internal sealed record ScheduledResponse(
    string EnrollmentId, string ContactId, string? ContactName, string? ContactEmail, string SequenceId, string? SequenceName, int Step, string? Type, DateTimeOffset DueAt)
{
    public static ScheduledResponse From(Core.Engine.ScheduledRow r) => new(
        r.Enrollment.Id, r.Enrollment.ContactId, r.Contact?.FullName, r.Contact?.Email, r.Enrollment.SequenceId, r.Sequence?.Name, r.Enrollment.CurrentStep,
        r.Sequence?.StepAt(r.Enrollment.CurrentStep) is { } step ? StepTypes.Name(step.Type) : null, r.DueAt);
}

internal sealed record NameResponse(string Name);

internal sealed record ListFilterResponse(string Property, string Operator, string? Value);

/// <summary>A contact list; <c>size</c> for a static list (an active list's members are found when read).</summary>
internal sealed record ContactListResponse(string Id, string Name, string Type, IReadOnlyList<ListFilterResponse> Filters, int? Size, DateTimeOffset CreatedAt)
{
    public static ContactListResponse From(ContactList l) => new(l.Id, l.Name, l.Type,
        l.Filters.Select(f => new ListFilterResponse(f.Property, f.Operator, f.Value)).ToList(), l.Type == ContactList.Static ? l.StaticSize : null, l.CreatedAt);
}

/// <summary>A task; <c>dueAt</c> is when its step came due (tasks are due when created). Lists add the contact's name and email.</summary>
internal sealed record TaskResponse(
    string Id, string UserId, string EnrollmentId, string SequenceId, string ContactId, string? ContactName, string? ContactEmail, int Step, string Type,
    string Title, string? Subject, string? Body, bool ContinueWithoutCompleting, TaskState Status, DateTimeOffset DueAt, DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt)
{
    public static TaskResponse From(TaskItem t, Contact? contact = null) => new(t.Id, t.UserId, t.EnrollmentId, t.SequenceId, t.ContactId,
        contact?.FullName, contact?.Email, t.Step, StepTypes.Name(t.Type), t.Title, t.Subject, t.Body, t.ContinueWithoutCompleting, t.Status,
        t.CreatedAt, t.CreatedAt, t.CompletedAt);

    public static TaskResponse From(Core.Engine.TaskRow r) => From(r.Task, r.Contact);
}

/// <summary>One item's refusal within a 2xx answer: its code, detail and, for invalid fields, which ones.</summary>
internal sealed record ErrorBody(string Code, string? Detail, IReadOnlyDictionary<string, string[]>? Errors)
{
    public static ErrorBody? From(Core.Errors.DomainError? e) => e is null ? null : new(e.Code, e.Detail, e.Errors);
}

internal sealed record BulkItemResponse(string ContactId, string? EnrollmentId, EnrollmentStatus? Status, DateTimeOffset? NextActionAt, ErrorBody? Error);

internal sealed record BulkResponse(IReadOnlyList<BulkItemResponse> Results, int Enrolled, int Failed)
{
    public static BulkResponse From(IReadOnlyList<Core.Engine.BulkResult> results)
    {
        var items = results.Select(r => new BulkItemResponse(r.ContactId, r.Enrollment?.Id, r.Enrollment?.Status, r.Enrollment?.NextActionAt,
            ErrorBody.From(r.Error))).ToList();
        return new BulkResponse(items, items.Count(i => i.Error is null), items.Count(i => i.Error is not null));
    }
}

internal sealed record BulkActionItemResponse(string EnrollmentId, EnrollmentStatus? Status, PendingStopResponse? PendingStop, ErrorBody? Error);

internal sealed record BulkActionResponse(IReadOnlyList<BulkActionItemResponse> Results, int Succeeded, int Failed)
{
    public static BulkActionResponse From(IReadOnlyList<(string EnrollmentId, Core.Errors.Result<Enrollment> Result)> results)
    {
        var items = results.Select(r => new BulkActionItemResponse(r.EnrollmentId, r.Result.Value?.Status, PendingStopResponse.From(r.Result.Value?.PendingStop),
            ErrorBody.From(r.Result.Error))).ToList();
        return new BulkActionResponse(items, items.Count(i => i.Error is null), items.Count(i => i.Error is not null));
    }
}

internal sealed record StepPreviewResponse(int Step, string Type, string? Subject, string? Html, string? Text, string? TaskTitle, ErrorBody? Error);

internal sealed record PreviewResponse(IReadOnlyList<StepPreviewResponse> Steps, IReadOnlyList<string> MissingTokens)
{
    public static PreviewResponse From(Core.Engine.Preview p) => new(
        p.Steps.Select(s => new StepPreviewResponse(s.Step, StepTypes.Name(s.Type), s.Subject, s.Html, s.Text, s.TaskTitle,
            ErrorBody.From(s.Error))).ToList(),
        p.MissingTokens);
}

internal sealed record OperationResponse(string Operation, string Scope, string Id, string Status);

internal sealed record StepStatsResponse(int Step, string Type, int Sent, int TasksCreated, int TasksCompleted, int Skipped);

internal sealed record StatsResponse(
    string SequenceId, int Enrolled, int Active, int Paused, int Finished, int Unenrolled, IReadOnlyDictionary<string, int> UnenrolledByReason,
    int EmailsSent, int TasksCreated, int TasksCompleted, int Replies, int Bounces, IReadOnlyDictionary<string, int> BouncesByReason, int Unsubscribes,
    int MeetingsBooked, IReadOnlyDictionary<string, int> PausedByReason, IReadOnlyList<StepStatsResponse> Steps)
{
    public static StatsResponse From(Core.Decisions.SequenceStats s) => new(
        s.SequenceId, s.Enrolled, s.Active, s.Paused, s.Finished, s.Unenrolled, s.UnenrolledByReason, s.EmailsSent, s.TasksCreated, s.TasksCompleted,
        s.Replies, s.Bounces, s.BouncesByReason, s.Unsubscribes, s.MeetingsBooked, s.PausedByReason,
        s.Steps.Select(x => new StepStatsResponse(x.Step, StepTypes.Name(x.Type), x.Sent, x.TasksCreated, x.TasksCompleted, x.Skipped)).ToList());
}
