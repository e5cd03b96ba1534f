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
    /// <summary>When the API accepted a pause or resume (its place in the order of pauses and resumes of its scope).</summary>
    public DateTimeOffset? AcceptedAt { get; init; }

    /// <summary>0 for the first pass over the enrollments, 1 for the second (see <see cref="BulkOperations.RunPageAsync"/>).</summary>
    public int Pass { get; init; }

    [JsonIgnore]
    public bool IsPauseOrResume => Op is Pause or Resume;

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
    IScopeControls controls,
    EnrollmentService service,
    TimeProvider time,
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

    /// <summary>
    /// Starts an operation: queues its first page and returns at once. A pause or resume is first
    /// recorded as its scope's latest, so pauses and resumes apply in the order they were accepted.
    /// </summary>
    public async Task StartAsync(BulkOperation operation, CancellationToken cancellationToken)
    {
        if (operation.IsPauseOrResume)
        {
            operation = operation with { AcceptedAt = time.GetUtcNow() };
            await controls.SetAsync(operation.Scope, operation.Id, operation.Op, operation.AcceptedAt.Value, cancellationToken);
        }

        await queue.EnqueueAsync(operation, cancellationToken);
    }

    /// <summary>
    /// One page of an operation. A pause or resume that is no longer its scope's latest stops (the
    /// latest one's own pages do the work), and it checks again before each enrollment's change.
    /// Pages run concurrently with those of a later operation, so after its last page a pause or
    /// resume that is still the latest makes a second pass, which puts right any enrollment an
    /// earlier operation changed behind its back.
    /// </summary>
    public async Task RunPageAsync(BulkOperation operation, CancellationToken cancellationToken)
    {
        if (operation.IsPauseOrResume && !await IsLatestAsync(operation, cancellationToken))
        {
            logger.OperationSuperseded(operation.Op, operation.Scope, operation.Id);
            return;
        }

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
        else if (operation.IsPauseOrResume && operation.Pass == 0)
        {
            await queue.EnqueueAsync(operation with { Continuation = null, Pass = 1 }, cancellationToken);
        }

        // Each change is written to the enrollment; only a resume wakes the workflow (see EnrollmentService.UnenrollAsync).
        await Parallel.ForEachAsync(page.Items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                if (!operation.IsPauseOrResume || await IsLatestAsync(operation, ct))
                {
                    await ApplyAsync(operation, id, wake: false, ct);
                }
            });
        logger.OperationPage(operation.Op, operation.Scope, operation.Id, page.Items.Count, page.Continuation is not null);
    }

    private async Task<bool> IsLatestAsync(BulkOperation operation, CancellationToken cancellationToken) =>
        operation.AcceptedAt is not { } accepted
        || await controls.GetAsync(operation.Scope, operation.Id, cancellationToken) is not { } latest
        || latest.AcceptedAt <= accepted;

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
