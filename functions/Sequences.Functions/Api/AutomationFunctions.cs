using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Sequences.Core.Automation;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Inbound;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

internal sealed record AcceptedEvent(string EventId, string Type);

internal sealed record WorkflowUnenrollResponse(string ContactId, string SequenceId, bool Unenrolled, string? EnrollmentId);

internal sealed record TimelineItem(
    string Type, DateTimeOffset At, string? SequenceId = null, string? EnrollmentId = null, string? RuleId = null, string? Status = null,
    DateTimeOffset? DueAt = null, string? Code = null, string? Detail = null);

/// <summary>
/// Automation rules, form/page-view events, workflows, and the lifecycle operations (delete a
/// sequence, deactivate a user). Events are queued (202) for the inbound functions; lifecycle
/// operations run through the operations queue.
/// </summary>
internal sealed class AutomationFunctions(
    AutomationService automation, DirectoryService directory, EnrollmentService enrollments, IContactTimelineStore timeline, IInboundQueue queue, TimeProvider time)
{
    [JsonBody(typeof(RuleCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(CreateAutomationRule))]
    public Task<Results<Created<AutomationRule>, ProblemHttpResult>> CreateAutomationRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences/{sequenceId}/automation")] HttpRequest request, string sequenceId, CancellationToken ct) =>
        Endpoint.CreatedAsync<RuleCommand, AutomationRule, AutomationRule>(request, body => automation.CreateRuleAsync(sequenceId, body, ct), r => r, r => $"/api/automation/{r.Id}", ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(ListAutomationRules))]
    public async Task<Results<Ok<ListResponse<AutomationRule>>, ProblemHttpResult>> ListAutomationRules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/sequences/{sequenceId}/automation")] HttpRequest request, string sequenceId, CancellationToken ct)
    {
        if (await directory.GetSequenceAsync(sequenceId, ct) is null)
        {
            return Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId));
        }

        var rules = await automation.ListRulesAsync(sequenceId, ct);
        return TypedResults.Ok(new ListResponse<AutomationRule>(rules, rules.Count));
    }

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.RuleNotFound)]
    [Function(nameof(GetAutomationRule))]
    public async Task<Results<Ok<AutomationRule>, ProblemHttpResult>> GetAutomationRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/automation/{ruleId}")] HttpRequest request, string ruleId, CancellationToken ct) =>
        await automation.GetRuleAsync(ruleId, ct) is { } rule ? TypedResults.Ok(rule) : Problems.From(AutomationService.NotFound(ruleId));

    [JsonBody(typeof(RuleCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.RuleNotFound)]
    [Function(nameof(ReplaceAutomationRule))]
    public Task<Results<Ok<AutomationRule>, ProblemHttpResult>> ReplaceAutomationRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/automation/{ruleId}")] HttpRequest request, string ruleId, CancellationToken ct) =>
        Endpoint.OkAsync<RuleCommand, AutomationRule, AutomationRule>(request, body => automation.ReplaceRuleAsync(ruleId, body, ct), r => r, ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.RuleNotFound)]
    [Function(nameof(DeleteAutomationRule))]
    public async Task<Results<NoContent, ProblemHttpResult>> DeleteAutomationRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/automation/{ruleId}")] HttpRequest request, string ruleId, CancellationToken ct) =>
        await automation.DeleteRuleAsync(ruleId, ct) ? TypedResults.NoContent() : Problems.From(AutomationService.NotFound(ruleId));

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.RuleNotFound)]
    [Function(nameof(ListAutomationFailures))]
    public async Task<Results<Ok<ListResponse<AutomationFailure>>, ProblemHttpResult>> ListAutomationFailures(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/automation/{ruleId}/failures")] HttpRequest request, string ruleId, CancellationToken ct)
    {
        if (await automation.GetRuleAsync(ruleId, ct) is null)
        {
            return Problems.From(AutomationService.NotFound(ruleId));
        }

        var failures = await automation.ListFailuresAsync(ruleId, ct);
        return TypedResults.Ok(new ListResponse<AutomationFailure>(failures, failures.Count));
    }

    [JsonBody(typeof(FormSubmissionCommand))]
    [Function(nameof(FormSubmission))]
    public async Task<Results<Accepted<AcceptedEvent>, ProblemHttpResult>> FormSubmission(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/events/form-submissions")] HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<FormSubmissionCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(body!.FormId))
        {
            errors.Add("formId", "formId is required.");
        }

        ContactProblems(body.ContactId, body.Email, errors);
        if (errors.Any)
        {
            return Problems.From(errors.ToError());
        }

        var e = new AutomationEvent(RuleTrigger.FormSubmission, EventId(body.EventId), body.FormId, null, body.ContactId, body.Email, body.Fields,
            body.SubmittedAt ?? time.GetUtcNow());
        return await QueueAsync(e, ct);
    }

    [JsonBody(typeof(PageViewCommand))]
    [Function(nameof(PageView))]
    public async Task<Results<Accepted<AcceptedEvent>, ProblemHttpResult>> PageView(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/events/page-views")] HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<PageViewCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(body!.Url))
        {
            errors.Add("url", "url is required.");
        }

        ContactProblems(body.ContactId, body.Email, errors);
        if (errors.Any)
        {
            return Problems.From(errors.ToError());
        }

        var e = new AutomationEvent(RuleTrigger.PageView, EventId(body.EventId), null, body.Url, body.ContactId, body.Email, null, body.ViewedAt ?? time.GetUtcNow());
        return await QueueAsync(e, ct);
    }

    [JsonBody(typeof(WorkflowCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound, ErrorCodes.ContactNotFound, ErrorCodes.SenderNotFound)]
    [ProblemCodes(ErrorKind.Conflict, ErrorCodes.SequenceDeleted, ErrorCodes.AlreadyEnrolled)]
    [ProblemCodes(ErrorKind.Rule, ErrorCodes.SenderNotFound,
        ErrorCodes.ContactHasNoEmail, ErrorCodes.ContactUnsubscribed, ErrorCodes.ContactPreviouslyBounced, ErrorCodes.SenderInactive,
        ErrorCodes.SequenceNotSharedWithSender, ErrorCodes.SenderMailboxNotConnected, ErrorCodes.MissingTokenValues, ErrorCodes.SendLimitReached)]
    [Function(nameof(WorkflowEnroll))]
    public Task<Results<Created<EnrollmentResponse>, ProblemHttpResult>> WorkflowEnroll(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/workflows/enroll")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        Endpoint.CreatedAsync<WorkflowCommand, Enrollment, EnrollmentResponse>(
            request, body => automation.WorkflowEnrollAsync(body, ct), e => EnrollmentResponse.From(e), e => $"/api/enrollments/{e.Id}", ct);

    [JsonBody(typeof(WorkflowCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ContactNotFound)]
    [Function(nameof(WorkflowUnenroll))]
    public async Task<Results<Ok<WorkflowUnenrollResponse>, ProblemHttpResult>> WorkflowUnenroll(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/workflows/unenroll")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct)
    {
        var (body, error) = await ApiJson.ReadAsync<WorkflowCommand>(request, ct);
        if (error is not null)
        {
            return Problems.From(error);
        }

        var result = await automation.WorkflowUnenrollAsync(body, ct);
        return result.Error is { } e
            ? Problems.From(e)
            : TypedResults.Ok(new WorkflowUnenrollResponse(body!.ContactId!, body.SequenceId!, result.Value is not null, result.Value?.Id));
    }

    /// <summary>Deleting a sequence ends its enrollments in the background (202) and removes its rules; its history stays.</summary>
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(DeleteSequence))]
    public async Task<Results<Accepted<SequenceResponse>, ProblemHttpResult>> DeleteSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/sequences/{sequenceId}")] HttpRequest request, string sequenceId, CancellationToken ct)
    {
        var result = await directory.DeleteSequenceAsync(sequenceId, ct);
        if (result.Error is { } e)
        {
            return Problems.From(e);
        }

        await automation.DeleteRulesOfAsync(sequenceId, ct);
        return TypedResults.Accepted($"/api/sequences/{sequenceId}/enrollments", SequenceResponse.From(result.Value!));
    }

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.UserNotFound)]
    [Function(nameof(DeactivateUser))]
    public async Task<Results<Accepted<UserResponse>, ProblemHttpResult>> DeactivateUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/deactivate")] HttpRequest request, string userId, CancellationToken ct)
    {
        var result = await directory.DeactivateUserAsync(userId, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Accepted($"/api/users/{userId}", UserResponse.From(result.Value!));
    }

    /// <summary>The contact's timeline: enrollments, pending (delayed) enrollments and automation failures, newest first.</summary>
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ContactNotFound)]
    [Function(nameof(GetContactTimeline))]
    public async Task<Results<Ok<ListResponse<TimelineItem>>, ProblemHttpResult>> GetContactTimeline(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/contacts/{contactId}/timeline")] HttpRequest request, string contactId, CancellationToken ct)
    {
        if (await directory.GetContactAsync(contactId, ct) is null)
        {
            return Problems.From(DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", contactId));
        }

        var items = new List<TimelineItem>();
        foreach (var e in await enrollments.ListByContactAsync(contactId, ct))
        {
            items.Add(new TimelineItem("enrollment", e.EnrolledAt, e.SequenceId, e.Id, Status: Api.Names.Of(e.Status), Detail: e.EndReason));
        }

        foreach (var p in await timeline.ListPendingAsync(contactId, ct))
        {
            items.Add(new TimelineItem("pendingEnrollment", p.Value.CreatedAt, p.Value.SequenceId, p.Value.EnrollmentId, p.Value.RuleId,
                Api.Names.Of(p.Value.Status), p.Value.DueAt, Detail: p.Value.Detail));
        }

        foreach (var f in await timeline.ListFailuresAsync(contactId, ct))
        {
            items.Add(new TimelineItem("automationFailed", f.At, f.SequenceId, RuleId: f.RuleId, Code: f.Code, Detail: f.Detail));
        }

        var ordered = items.OrderByDescending(i => i.At).ToList();
        return TypedResults.Ok(new ListResponse<TimelineItem>(ordered, ordered.Count));
    }

    private static void ContactProblems(string? contactId, string? email, FieldErrors errors)
    {
        if (contactId is null && email is null)
        {
            errors.Add("contactId", "Name the contact by contactId or email.");
        }

        if (contactId is not null && FieldErrors.IdProblem(contactId) is { } idProblem)
        {
            errors.Add("contactId", idProblem);
        }

        if (email is not null && !FieldErrors.IsEmail(email))
        {
            errors.Add("email", $"'{email}' is not an email address.");
        }
    }

    /// <summary>Events without an id get one here, so a redelivered queue message is still processed once.</summary>
    private static string EventId(string? given) =>
        string.IsNullOrWhiteSpace(given) ? $"gen-{Guid.NewGuid():N}" : given.Trim().Length > 200 ? given.Trim()[..200] : given.Trim();

    private async Task<Results<Accepted<AcceptedEvent>, ProblemHttpResult>> QueueAsync(AutomationEvent e, CancellationToken ct)
    {
        await queue.EnqueueAsync(new InboundItem(InboundItem.AutomationKind, time.GetUtcNow(), "api", Automation: e), bounce: false, ct);
        return TypedResults.Accepted((string?)null, new AcceptedEvent(e.EventId, e.Type));
    }
}

/// <summary>Enum values as the API spells them (camelCase).</summary>
internal static class Names
{
    public static string Of<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }
}
