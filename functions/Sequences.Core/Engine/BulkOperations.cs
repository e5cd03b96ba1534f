using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Core.Engine;

/// <summary>
/// An operation applied to every enrollment of a sequence or of a sender: one page per queue
/// message, the next page queued by the one before, so ten thousand enrollments never make one
/// long request. Each change is idempotent (pausing a paused enrollment changes nothing), so a
/// page delivered twice is harmless.
/// </summary>
public sealed record BulkOperation(string Op, string Scope, string Id, string? Continuation = null, string? Reason = null)
{
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string End = "end";
    public const string SequenceScope = "sequence";
    public const string SenderScope = "sender";

    public static BulkOperation Create(string op, string scope, string id, string? reason = null) => new(op, scope, id, null, reason);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a queue message; anything but a complete operation throws <see cref="FormatException"/>.</summary>
    public static BulkOperation Parse(string json)
    {
        BulkOperation? op;
        try
        {
            op = JsonSerializer.Deserialize<BulkOperation>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The operation message is not valid JSON: {e.Message}", e);
        }

        return op is { Op: Pause or Resume or End, Scope: SequenceScope or SenderScope } && !string.IsNullOrEmpty(op.Id)
            ? op
            : throw new FormatException("The operation message lacks a known op, scope or id.");
    }
}

/// <summary>Runs <see cref="BulkOperation"/>s: a page of enrollments per queue message.</summary>
public sealed class BulkOperations(
    IEnrollmentStore enrollments,
    IUserStore users,
    IOperationQueue queue,
    EnrollmentService service,
    ILogger<BulkOperations> logger)
{
    public const int PageSize = 100;

    /// <summary>Enrollments one request may act on by id.</summary>
    public const int MaxPerRequest = 100;

    /// <summary>Unenrolls, pauses or resumes up to <see cref="MaxPerRequest"/> enrollments named by id: a result for each, in order.</summary>
    public async Task<Result<IReadOnlyList<(string EnrollmentId, Result<Enrollment> Result)>>> ApplyToAsync(BulkActionCommand? c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var op = c?.Action switch
        {
            "unenroll" => BulkOperation.End,
            "pause" => BulkOperation.Pause,
            "resume" => BulkOperation.Resume,
            _ => null,
        };
        if (op is null)
        {
            errors.Add("action", "action is one of unenroll, pause, resume.");
        }

        if (c?.EnrollmentIds is not { Count: > 0 } ids || ids.Any(string.IsNullOrEmpty))
        {
            errors.Add("enrollmentIds", "enrollmentIds lists at least one enrollment id (no empty ones).");
        }
        else if (ids.Count > MaxPerRequest)
        {
            return new DomainError(ErrorKind.Validation, ErrorCodes.BatchTooLarge, "Too many enrollments in one request",
                $"A bulk action takes at most {MaxPerRequest} enrollments; this one has {ids.Count}. Split it into several requests.",
                Extensions: new Dictionary<string, object?> { ["maxEnrollments"] = MaxPerRequest });
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        var operation = BulkOperation.Create(op!, BulkOperation.SequenceScope, "-", EndReasons.Manual);
        var results = new Result<Enrollment>[c!.EnrollmentIds!.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, results.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await ApplyAsync(operation, c.EnrollmentIds[i], wake: true, ct));
        return c.EnrollmentIds.Select((id, i) => (id, results[i])).ToList();
    }

    /// <summary>Starts an operation: queues its first page and returns at once.</summary>
    public Task StartAsync(BulkOperation operation, CancellationToken cancellationToken) => queue.EnqueueAsync(operation, cancellationToken);

    public async Task RunPageAsync(BulkOperation operation, CancellationToken cancellationToken)
    {
        var page = operation.Scope switch
        {
            BulkOperation.SequenceScope => await enrollments.ListIdsPageAsync(operation.Id, StatusesFor(operation.Op), operation.Continuation, PageSize, cancellationToken),
            _ => await users.ListEnrollmentIdsPageAsync(operation.Id, operation.Continuation, PageSize, cancellationToken),
        };

        // The next page is queued before this one is worked: if this page fails and is retried,
        // the rest still proceeds (and each enrollment's change is idempotent).
        if (page.Continuation is { } next)
        {
            await queue.EnqueueAsync(operation with { Continuation = next }, cancellationToken);
        }

        // Each change is written to the enrollment; only a resume wakes the workflow (see EnrollmentService.UnenrollAsync).
        await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (id, ct) => await ApplyAsync(operation, id, wake: false, ct));
        logger.OperationPage(operation.Op, operation.Scope, operation.Id, page.Items.Count, page.Continuation is not null);
    }

    /// <summary>One enrollment's change. <paramref name="wake"/>: see <see cref="EnrollmentService.UnenrollAsync(string, string, string?, bool, CancellationToken)"/>.</summary>
    private Task<Result<Enrollment>> ApplyAsync(BulkOperation operation, string enrollmentId, bool wake, CancellationToken cancellationToken) => operation.Op switch
    {
        BulkOperation.Pause => service.PauseAsync(enrollmentId, wake, cancellationToken),
        BulkOperation.Resume => service.ResumeAsync(enrollmentId, cancellationToken),
        _ => service.UnenrollAsync(enrollmentId, operation.Reason ?? EndReasons.Manual, wake ? "Unenrolled by a user." : null, wake, cancellationToken),
    };

    private static IReadOnlyList<EnrollmentStatus> StatusesFor(string op) => op switch
    {
        BulkOperation.Resume => [EnrollmentStatus.Paused],
        BulkOperation.Pause => [EnrollmentStatus.Active],
        _ => [EnrollmentStatus.Active, EnrollmentStatus.Paused],
    };
}
