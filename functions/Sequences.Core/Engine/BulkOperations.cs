using Microsoft.Extensions.Logging;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>Runs <see cref="BulkOperation"/>s: a page of enrollments per queue message.</summary>
public sealed class BulkOperations(
    IEnrollmentStore enrollments,
    IUserStore users,
    IWorkQueue queue,
    EnrollmentService service,
    ILogger<BulkOperations> logger)
{
    public const int PageSize = 100;

    /// <summary>Starts an operation: queues its first page and returns at once.</summary>
    public Task StartAsync(BulkOperation operation, CancellationToken cancellationToken) => queue.EnqueueAsync(operation, cancellationToken);

    public async Task RunPageAsync(BulkOperation operation, CancellationToken cancellationToken)
    {
        var page = operation.Scope switch
        {
            BulkOperation.SequenceScope => await enrollments.ListIdsPageAsync(operation.Id, StatusesFor(operation.Op), operation.Continuation, PageSize, cancellationToken),
            BulkOperation.SenderScope => await users.ListEnrollmentIdsPageAsync(operation.Id, operation.Continuation, PageSize, cancellationToken),
            _ => throw new FormatException($"Unknown operation scope '{operation.Scope}'."),
        };

        // The next page is queued before this one is worked: if this page fails and is retried,
        // the rest still proceeds (and each enrollment's change is idempotent).
        if (page.Continuation is { } next)
        {
            await queue.EnqueueAsync(operation with { Continuation = next }, cancellationToken);
        }

        await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (id, ct) => await ApplyAsync(operation, id, ct));
        logger.OperationPage(operation.Op, operation.Scope, operation.Id, page.Items.Count, page.Continuation is not null);
    }

    private Task<Result<Enrollment>> ApplyAsync(BulkOperation operation, string enrollmentId, CancellationToken cancellationToken) => operation.Op switch
    {
        BulkOperation.Pause => service.PauseAsync(enrollmentId, cancellationToken),
        BulkOperation.Resume => service.ResumeAsync(enrollmentId, cancellationToken),
        BulkOperation.End => service.UnenrollAsync(enrollmentId, operation.Reason ?? EndReasons.Manual, null, cancellationToken),
        _ => throw new FormatException($"Unknown operation '{operation.Op}'."),
    };

    private static IReadOnlyList<EnrollmentStatus> StatusesFor(string op) => op switch
    {
        BulkOperation.Resume => [EnrollmentStatus.Paused],
        BulkOperation.Pause => [EnrollmentStatus.Active],
        _ => [EnrollmentStatus.Active, EnrollmentStatus.Paused],
    };
}
