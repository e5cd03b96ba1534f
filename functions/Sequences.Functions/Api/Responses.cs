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

internal sealed record EnrollmentResponse(
    string Id, string SequenceId, string ContactId, string SenderUserId, string FromAddress, EnrollmentStatus Status, int CurrentStep,
    DateTimeOffset? NextActionAt, string TimeZone, DateTimeOffset EnrolledAt, DateTimeOffset? EndedAt, string? EndReason,
    string? PauseReason, IReadOnlyList<EventResponse>? Events)
{
    public static EnrollmentResponse From(Enrollment e, bool withEvents = true) =>
        new(e.Id, e.SequenceId, e.ContactId, e.SenderUserId, e.FromAddress, e.Status, e.CurrentStep, e.NextActionAt, e.TimeZone,
            e.EnrolledAt, e.EndedAt, e.EndReason, e.PauseReason, withEvents ? e.Events.Select(EventResponse.From).ToList() : null);
}

internal sealed record ListResponse<T>(IReadOnlyList<T> Items, int Count);

internal sealed record TaskResponse(
    string Id, string UserId, string EnrollmentId, string SequenceId, string ContactId, int Step, string Type, string Title,
    string? Subject, string? Body, bool ContinueWithoutCompleting, TaskState Status, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt)
{
    public static TaskResponse From(TaskItem t) => new(t.Id, t.UserId, t.EnrollmentId, t.SequenceId, t.ContactId, t.Step,
        StepTypes.Name(t.Type), t.Title, t.Subject, t.Body, t.ContinueWithoutCompleting, t.Status, t.CreatedAt, t.CompletedAt);
}

internal sealed record ErrorBody(string Code, string? Detail);

internal sealed record BulkItemResponse(string ContactId, string? EnrollmentId, EnrollmentStatus? Status, DateTimeOffset? NextActionAt, ErrorBody? Error);

internal sealed record BulkResponse(IReadOnlyList<BulkItemResponse> Results, int Enrolled, int Failed)
{
    public static BulkResponse From(IReadOnlyList<Core.Engine.BulkResult> results)
    {
        var items = results.Select(r => new BulkItemResponse(r.ContactId, r.Enrollment?.Id, r.Enrollment?.Status, r.Enrollment?.NextActionAt,
            r.Error is { } e ? new ErrorBody(e.Code, e.Detail) : null)).ToList();
        return new BulkResponse(items, items.Count(i => i.Error is null), items.Count(i => i.Error is not null));
    }
}

internal sealed record OperationResponse(string Operation, string Scope, string Id, string Status);

internal sealed record StepStatsResponse(int Step, string Type, int Sent, int TasksCreated, int TasksCompleted, int Skipped);

internal sealed record StatsResponse(
    string SequenceId, int Enrolled, int Active, int Paused, int Finished, int Unenrolled, IReadOnlyDictionary<string, int> UnenrolledByReason,
    int EmailsSent, int TasksCreated, int TasksCompleted, int Replies, int Bounces, IReadOnlyDictionary<string, int> BouncesByReason, int Unsubscribes,
    int MeetingsBooked, IReadOnlyList<StepStatsResponse> Steps)
{
    public static StatsResponse From(Core.Decisions.SequenceStats s) => new(
        s.SequenceId, s.Enrolled, s.Active, s.Paused, s.Finished, s.Unenrolled, s.UnenrolledByReason, s.EmailsSent, s.TasksCreated, s.TasksCompleted,
        s.Replies, s.Bounces, s.BouncesByReason, s.Unsubscribes, s.MeetingsBooked,
        s.Steps.Select(x => new StepStatsResponse(x.Step, StepTypes.Name(x.Type), x.Sent, x.TasksCreated, x.TasksCompleted, x.Skipped)).ToList());
}
