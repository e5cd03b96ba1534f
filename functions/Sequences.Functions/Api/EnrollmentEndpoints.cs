using Microsoft.AspNetCore.Http.HttpResults;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Validation;

namespace Sequences.Functions.Api;

/// <summary>Enrollments and tasks.</summary>
internal static class EnrollmentEndpoints
{
    public static void MapEnrollments(this RouteGroupBuilder api)
    {
        api.MapPost("/sequences/{sequenceId}/enrollments", Enroll);
        api.MapPost("/sequences/{sequenceId}/enrollments/batch", EnrollBatch);
        api.MapPost("/sequences/{sequenceId}/pause", (string sequenceId, DirectoryService d, BulkOperations o, CancellationToken ct) =>
            StartForSequence(sequenceId, BulkOperation.Pause, d, o, ct));
        api.MapPost("/sequences/{sequenceId}/resume", (string sequenceId, DirectoryService d, BulkOperations o, CancellationToken ct) =>
            StartForSequence(sequenceId, BulkOperation.Resume, d, o, ct));
        api.MapPost("/users/{userId}/sequences/pause", (string userId, DirectoryService d, BulkOperations o, CancellationToken ct) =>
            StartForSender(userId, BulkOperation.Pause, d, o, ct));
        api.MapPost("/users/{userId}/sequences/resume", (string userId, DirectoryService d, BulkOperations o, CancellationToken ct) =>
            StartForSender(userId, BulkOperation.Resume, d, o, ct));
        api.MapGet("/sequences/{sequenceId}/stats", Stats);
        api.MapGet("/sequences/{sequenceId}/enrollments", ListBySequence);
        api.MapGet("/contacts/{contactId}/enrollments", ListByContact);
        api.MapGet("/enrollments/{enrollmentId}", Get);
        api.MapPost("/enrollments/{enrollmentId}/unenroll", Unenroll);
        api.MapPost("/enrollments/{enrollmentId}/pause", Pause);
        api.MapPost("/enrollments/{enrollmentId}/resume", Resume);
        api.MapGet("/tasks", ListTasks);
        api.MapPost("/tasks/{taskId}/complete", CompleteTask);
    }

    private static Task<Results<Created<EnrollmentResponse>, ProblemHttpResult>> Enroll(
        string sequenceId, HttpRequest request, EnrollmentService enrollments, CancellationToken ct) =>
        Endpoint.CreatedAsync<EnrollCommand, Enrollment, EnrollmentResponse>(
            request, body => enrollments.EnrollAsync(sequenceId, body, ct), e => EnrollmentResponse.From(e), e => $"/api/enrollments/{e.Id}", ct);

    private static Task<Results<Ok<BulkResponse>, ProblemHttpResult>> EnrollBatch(
        string sequenceId, HttpRequest request, EnrollmentService enrollments, CancellationToken ct) =>
        Endpoint.OkAsync<BulkEnrollCommand, IReadOnlyList<BulkResult>, BulkResponse>(
            request, body => enrollments.EnrollBatchAsync(sequenceId, body, ct), BulkResponse.From, ct);

    /// <summary>Pausing or resuming a whole sequence runs through the work queue, a page at a time: 202.</summary>
    private static async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> StartForSequence(
        string sequenceId, string op, DirectoryService directory, BulkOperations operations, CancellationToken ct) =>
        await directory.GetSequenceAsync(sequenceId, ct) is null
            ? Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId))
            : await StartAsync(BulkOperation.Create(op, BulkOperation.SequenceScope, sequenceId), $"/api/sequences/{sequenceId}/enrollments", operations, ct);

    private static async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> StartForSender(
        string userId, string op, DirectoryService directory, BulkOperations operations, CancellationToken ct) =>
        await directory.GetUserAsync(userId, ct) is null
            ? Problems.From(DomainError.NotFound(ErrorCodes.UserNotFound, "User", userId))
            : await StartAsync(BulkOperation.Create(op, BulkOperation.SenderScope, userId), $"/api/users/{userId}", operations, ct);

    private static async Task<Results<Accepted<OperationResponse>, ProblemHttpResult>> StartAsync(
        BulkOperation operation, string location, BulkOperations operations, CancellationToken ct)
    {
        await operations.StartAsync(operation, ct);
        return TypedResults.Accepted(location, new OperationResponse(operation.Op, operation.Scope, operation.Id, "accepted"));
    }

    private static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> Stats(string sequenceId, StatsService stats, CancellationToken ct)
    {
        var result = await stats.ForSequenceAsync(sequenceId, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(StatsResponse.From(result.Value!));
    }

    private static async Task<Results<Ok<EnrollmentResponse>, ProblemHttpResult>> Get(string enrollmentId, EnrollmentService enrollments, CancellationToken ct) =>
        await enrollments.GetAsync(enrollmentId, ct) is { } e
            ? TypedResults.Ok(EnrollmentResponse.From(e))
            : Problems.From(DomainError.NotFound(ErrorCodes.EnrollmentNotFound, "Enrollment", enrollmentId));

    private static async Task<Results<Ok<EnrollmentResponse>, ProblemHttpResult>> Unenroll(string enrollmentId, EnrollmentService enrollments, CancellationToken ct) =>
        Respond(await enrollments.UnenrollAsync(enrollmentId, EndReasons.Manual, "Unenrolled by a user.", ct));

    private static async Task<Results<Ok<EnrollmentResponse>, ProblemHttpResult>> Pause(string enrollmentId, EnrollmentService enrollments, CancellationToken ct) =>
        Respond(await enrollments.PauseAsync(enrollmentId, ct));

    private static async Task<Results<Ok<EnrollmentResponse>, ProblemHttpResult>> Resume(string enrollmentId, EnrollmentService enrollments, CancellationToken ct) =>
        Respond(await enrollments.ResumeAsync(enrollmentId, ct));

    private static Results<Ok<EnrollmentResponse>, ProblemHttpResult> Respond(Result<Enrollment> result) =>
        result.Error is { } e ? Problems.From(e) : TypedResults.Ok(EnrollmentResponse.From(result.Value!));

    private static async Task<Results<Ok<ListResponse<EnrollmentResponse>>, ProblemHttpResult>> ListBySequence(
        string sequenceId, string? status, DirectoryService directory, EnrollmentService enrollments, CancellationToken ct)
    {
        if (!TryParse<EnrollmentStatus>(status, out var parsed))
        {
            return Problems.From(DomainError.Invalid("status", $"'{status}' is not a status; use active, paused, finished or unenrolled."));
        }

        if (await directory.GetSequenceAsync(sequenceId, ct) is null)
        {
            return Problems.From(DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId));
        }

        var items = new List<EnrollmentResponse>();
        await foreach (var e in enrollments.ListBySequenceAsync(sequenceId, parsed, ct))
        {
            items.Add(EnrollmentResponse.From(e, withEvents: false));
        }

        return TypedResults.Ok(new ListResponse<EnrollmentResponse>(items, items.Count));
    }

    private static async Task<Results<Ok<ListResponse<EnrollmentResponse>>, ProblemHttpResult>> ListByContact(
        string contactId, DirectoryService directory, EnrollmentService enrollments, CancellationToken ct)
    {
        if (await directory.GetContactAsync(contactId, ct) is null)
        {
            return Problems.From(DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", contactId));
        }

        var items = (await enrollments.ListByContactAsync(contactId, ct)).Select(e => EnrollmentResponse.From(e, withEvents: false)).ToList();
        return TypedResults.Ok(new ListResponse<EnrollmentResponse>(items, items.Count));
    }

    private static async Task<Results<Ok<ListResponse<TaskResponse>>, ProblemHttpResult>> ListTasks(
        string? userId, string? status, TaskService tasks, CancellationToken ct)
    {
        if (FieldErrors.IdProblem(userId) is { } problem)
        {
            return Problems.From(DomainError.Invalid("userId", userId is null ? "The userId query parameter is required." : problem));
        }

        if (!TryParse<TaskState>(status, out var state))
        {
            return Problems.From(DomainError.Invalid("status", $"'{status}' is not a task status; use open, completed or cancelled."));
        }

        var items = new List<TaskResponse>();
        await foreach (var t in tasks.ListAsync(userId!, state, ct))
        {
            items.Add(TaskResponse.From(t));
        }

        return TypedResults.Ok(new ListResponse<TaskResponse>(items, items.Count));
    }

    private static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> CompleteTask(string taskId, TaskService tasks, CancellationToken ct)
    {
        var result = await tasks.CompleteAsync(taskId, ct);
        return result.Error is { } e ? Problems.From(e) : TypedResults.Ok(TaskResponse.From(result.Value!));
    }

    /// <summary>An optional enum query value in the API's camelCase spelling; empty means "any".</summary>
    private static bool TryParse<T>(string? text, out T? value)
        where T : struct, Enum
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) is { } name
            && char.IsLower(text[0]))
        {
            value = Enum.Parse<T>(name);
            return true;
        }

        return false;
    }
}
