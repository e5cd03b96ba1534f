using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

/// <summary>
/// Enrollments and tasks. Functions that change an enrollment wake its workflow, so they declare
/// the Durable client binding (see <see cref="Workflow.DurableClientAccessor"/>).
/// </summary>
internal sealed class EnrollmentFunctions(
    EnrollmentService enrollments, DirectoryService directory, BulkOperations operations, StatsService stats, TaskService tasks, PreviewService previews)
{
    /// <summary>Each step as it would go out to this contact from this sender (the enroll request's body); changes nothing.</summary>
    [JsonBody(typeof(EnrollCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound, ErrorCodes.ContactNotFound, ErrorCodes.SenderNotFound)]
    [ProblemCodes(ErrorKind.Rule, ErrorCodes.InvalidTemplate)]
    [Function(nameof(PreviewSequence))]
    public Task<Results<Ok<PreviewResponse>, ProblemHttpResult>> PreviewSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences/{sequenceId}/preview")] HttpRequest request, string sequenceId, CancellationToken ct) =>
        Endpoint.OkAsync<EnrollCommand, Preview, PreviewResponse>(request, body => previews.PreviewAsync(sequenceId, body, ct), PreviewResponse.From, ct);

    /// <summary>Unenroll, pause or resume up to 100 enrollments by id, with a result for each.</summary>
    [JsonBody(typeof(BulkActionCommand))]
    [ProblemCodes(ErrorKind.Validation, ErrorCodes.BatchTooLarge)]
    [Function(nameof(ActOnEnrollments))]
    public Task<Results<Ok<BulkActionResponse>, ProblemHttpResult>> ActOnEnrollments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/enrollments/bulk")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        Endpoint.OkAsync<BulkActionCommand, IReadOnlyList<(string EnrollmentId, Result<Enrollment> Result)>, BulkActionResponse>(
            request, body => operations.ApplyToAsync(body, ct), BulkActionResponse.From, ct);

    [JsonBody(typeof(EnrollCommand))]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound, ErrorCodes.ContactNotFound, ErrorCodes.SenderNotFound)]
    [ProblemCodes(ErrorKind.Conflict, ErrorCodes.SequenceDeleted, ErrorCodes.AlreadyEnrolled)]
    [ProblemCodes(ErrorKind.Rule, ErrorCodes.InvalidTemplate, ErrorCodes.InvalidStartStep, ErrorCodes.InvalidTimeZone,
        ErrorCodes.ContactHasNoEmail, ErrorCodes.ContactUnsubscribed, ErrorCodes.ContactPreviouslyBounced, ErrorCodes.SenderInactive,
        ErrorCodes.SequenceNotSharedWithSender, ErrorCodes.SenderMailboxNotConnected, ErrorCodes.MissingTokenValues, ErrorCodes.SendLimitReached)]
    [Function(nameof(Enroll))]
    public Task<Results<Created<EnrollmentResponse>, ProblemHttpResult>> Enroll(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences/{sequenceId}/enrollments")] HttpRequest request, string sequenceId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        Endpoint.CreatedAsync<EnrollCommand, Enrollment, EnrollmentResponse>(
            request, body => enrollments.EnrollAsync(sequenceId, body, ct), e => EnrollmentResponse.From(e), e => $"/api/enrollments/{e.Id}", ct);

    [JsonBody(typeof(BulkEnrollCommand))]
    [ProblemCodes(ErrorKind.Validation, ErrorCodes.BatchTooLarge)]
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound, ErrorCodes.SenderNotFound)]
    [ProblemCodes(ErrorKind.Conflict, ErrorCodes.SequenceDeleted)]
    [ProblemCodes(ErrorKind.Rule, ErrorCodes.InvalidTemplate)]
    [Function(nameof(EnrollBatch))]
    public Task<Results<Ok<BulkResponse>, ProblemHttpResult>> EnrollBatch(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences/{sequenceId}/enrollments/batch")] HttpRequest request, string sequenceId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        Endpoint.OkAsync<BulkEnrollCommand, IReadOnlyList<BulkResult>, BulkResponse>(
            request, body => enrollments.EnrollBatchAsync(sequenceId, body, ct), BulkResponse.From, ct);

    /// <summary>Pausing or resuming a whole sequence runs through the operations queue, a page at a time: 202.</summary>
    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(PauseSequence))]
    public Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> PauseSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences/{sequenceId}/pause")] HttpRequest request, string sequenceId, CancellationToken ct) =>
        StartForSequenceAsync(sequenceId, BulkOperation.Pause, ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(ResumeSequence))]
    public Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> ResumeSequence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sequences/{sequenceId}/resume")] HttpRequest request, string sequenceId, CancellationToken ct) =>
        StartForSequenceAsync(sequenceId, BulkOperation.Resume, ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.UserNotFound)]
    [Function(nameof(PauseSender))]
    public Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> PauseSender(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/sequences/pause")] HttpRequest request, string userId, CancellationToken ct) =>
        StartForSenderAsync(userId, BulkOperation.Pause, ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.UserNotFound)]
    [Function(nameof(ResumeSender))]
    public Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> ResumeSender(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/sequences/resume")] HttpRequest request, string userId, CancellationToken ct) =>
        StartForSenderAsync(userId, BulkOperation.Resume, ct);

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.SequenceNotFound)]
    [Function(nameof(GetSequenceStats))]
    public async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> GetSequenceStats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/sequences/{sequenceId}/stats")] HttpRequest request, string sequenceId, CancellationToken ct)
    {
        var result = await stats.ForSequenceAsync(sequenceId, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(StatsResponse.From(result.Value!));
    }

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.EnrollmentNotFound)]
    [Function(nameof(GetEnrollment))]
    public async Task<Results<Ok<EnrollmentResponse>, ProblemHttpResult>> GetEnrollment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/enrollments/{enrollmentId}")] HttpRequest request, string enrollmentId, CancellationToken ct) =>
        await enrollments.GetAsync(enrollmentId, ct) is { } e
            ? TypedResults.Ok(EnrollmentResponse.From(e))
            : Problems.From(DomainError.NotFound(ErrorCodes.EnrollmentNotFound, "Enrollment", enrollmentId));

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.EnrollmentNotFound)]
    [Function(nameof(UnenrollEnrollment))]
    public async Task<Results<Ok<EnrollmentResponse>, Accepted<EnrollmentResponse>, ProblemHttpResult>> UnenrollEnrollment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/enrollments/{enrollmentId}/unenroll")] HttpRequest request, string enrollmentId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        RespondToStop(await enrollments.UnenrollAsync(enrollmentId, EndReasons.Manual, "Unenrolled by a user.", ct));

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.EnrollmentNotFound)]
    [ProblemCodes(ErrorKind.Conflict, ErrorCodes.EnrollmentEnded)]
    [Function(nameof(PauseEnrollment))]
    public async Task<Results<Ok<EnrollmentResponse>, Accepted<EnrollmentResponse>, ProblemHttpResult>> PauseEnrollment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/enrollments/{enrollmentId}/pause")] HttpRequest request, string enrollmentId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        RespondToStop(await enrollments.PauseAsync(enrollmentId, ct));

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.EnrollmentNotFound)]
    [ProblemCodes(ErrorKind.Conflict, ErrorCodes.EnrollmentEnded)]
    [Function(nameof(ResumeEnrollment))]
    public async Task<Results<Ok<EnrollmentResponse>, ProblemHttpResult>> ResumeEnrollment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/enrollments/{enrollmentId}/resume")] HttpRequest request, string enrollmentId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct) =>
        Respond(await enrollments.ResumeAsync(enrollmentId, ct));

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.ContactNotFound)]
    [Function(nameof(ListContactEnrollments))]
    public async Task<Results<Ok<ListResponse<EnrollmentResponse>>, ProblemHttpResult>> ListContactEnrollments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/contacts/{contactId}/enrollments")] HttpRequest request, string contactId, CancellationToken ct)
    {
        if (await directory.GetContactAsync(contactId, ct) is null)
        {
            return Problems.From(DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", contactId));
        }

        var items = (await enrollments.ListByContactAsync(contactId, ct)).Select(e => EnrollmentResponse.From(e, withEvents: false)).ToList();
        return TypedResults.Ok(new ListResponse<EnrollmentResponse>(items, items.Count));
    }

    [ProblemCodes(ErrorKind.NotFound, ErrorCodes.TaskNotFound)]
    [ProblemCodes(ErrorKind.Conflict, ErrorCodes.TaskNotOpen)]
    [Function(nameof(CompleteTask))]
    public async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> CompleteTask(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/tasks/{taskId}/complete")] HttpRequest request, string taskId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken ct)
    {
        var result = await tasks.CompleteAsync(taskId, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(TaskResponse.From(result.Value!));
    }

    private async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> StartForSequenceAsync(string sequenceId, string op, CancellationToken ct) =>
        await directory.GetSequenceAsync(sequenceId, ct) is null
            ? Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId))
            : await StartAsync(BulkOperation.Create(op, BulkOperation.SequenceScope, sequenceId), $"/api/sequences/{sequenceId}/enrollments", ct);

    private async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> StartForSenderAsync(string userId, string op, CancellationToken ct) =>
        await directory.GetUserAsync(userId, ct) is null
            ? Problems.From(DomainError.NotFound(ErrorCodes.UserNotFound, "User", userId))
            : await StartAsync(BulkOperation.Create(op, BulkOperation.SenderScope, userId), $"/api/users/{userId}", ct);

    private async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> StartAsync(BulkOperation operation, string location, CancellationToken ct)
    {
        await operations.StartAsync(operation, ct);
        return TypedResults.Accepted(location, new OperationResponse(operation.Op, operation.Scope, operation.Id, "accepted"));
    }

    /// <summary>200 when done; 202 when the current step's email is being sent and the unenroll or pause waits for it (<c>pendingStop</c>).</summary>
    private static Results<Ok<EnrollmentResponse>, Accepted<EnrollmentResponse>, ProblemHttpResult> RespondToStop(Result<Enrollment> result) =>
        result switch
        {
            { Error: { } e } => Problems.From(e),
            { Value.PendingStop: not null } => TypedResults.Accepted($"/api/enrollments/{result.Value.Id}", EnrollmentResponse.From(result.Value)),
            _ => TypedResults.Ok(EnrollmentResponse.From(result.Value!)),
        };

    private static Results<Ok<EnrollmentResponse>, ProblemHttpResult> Respond(Result<Enrollment> result) =>
        result.Error is { } e ? Problems.From(e) : TypedResults.Ok(EnrollmentResponse.From(result.Value!));
}
