using Microsoft.Azure.Functions.Worker;
using Sequences.Storage;

namespace Sequences.Functions.Api;

internal sealed record QueueHealthResponse(string Name, int ApproximateDepth, double? OldestMessageAgeSeconds);

/// <summary>What the reconciler found on its latest run: enrollments whose workflow should already have run them.</summary>
internal sealed record OverdueResponse(DateTimeOffset? CheckedAt, int Enrollments, DateTimeOffset? OldestDueAt, int WorkflowsWoken, int WorkflowsStarted);

internal sealed record HealthResponse(
    string Status, bool StorageReachable, string? Error, IReadOnlyList<QueueHealthResponse> Queues, IReadOnlyList<QueueHealthResponse> PoisonQueues,
    OverdueResponse Overdue);

/// <summary>GET /api/health: storage reachable, queue backlogs, poison counts, overdue enrollments. 503 when unhealthy.</summary>
internal sealed class HealthFunctions(StorageHealth health, TimeProvider time)
{
    /// <summary>An enrollment this late after its due time means workflows are not keeping up (or not running).</summary>
    private static readonly TimeSpan MaxOverdue = TimeSpan.FromMinutes(10);

    [JsonResponse(StatusCodes.Status200OK, typeof(HealthResponse), "Healthy.")]
    [JsonResponse(StatusCodes.Status503ServiceUnavailable, typeof(HealthResponse), "Unhealthy: the same report, status \"unhealthy\".")]
    [Function(nameof(GetHealth))]
    public async Task<IResult> GetHealth([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request, CancellationToken ct)
    {
        var r = await health.CheckAsync(ct);
        var report = r.Reconciler;
        var healthy = r.Reachable && !(report is { OldestDueAt: { } oldest } && report.RanAt - oldest > MaxOverdue && time.GetUtcNow() - report.RanAt < MaxOverdue);
        var body = new HealthResponse(
            healthy ? "healthy" : "unhealthy", r.Reachable, r.Error, r.Queues.Select(Map).ToList(), r.PoisonQueues.Select(Map).ToList(),
            new OverdueResponse(report?.RanAt, report?.Overdue ?? 0, report?.OldestDueAt, report?.Woken ?? 0, report?.Started ?? 0));
        return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static QueueHealthResponse Map(QueueHealth q) => new(q.Name, q.ApproximateDepth, q.OldestMessageAge?.TotalSeconds);
}

/// <summary>
/// GET /alive: the process answers. No API key (it is outside <c>/api</c>) and no storage, so a
/// load balancer's or platform's probe can use it and its answer says only that this process
/// serves HTTP; <c>/api/health</c> says whether the app can work.
/// </summary>
internal static class LivenessFunctions
{
    [Function(nameof(Alive))]
    public static IResult Alive([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alive")] HttpRequest request) =>
        Results.Text("alive\n", "text/plain", statusCode: StatusCodes.Status200OK);
}
