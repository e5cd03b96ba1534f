using Sequences.Storage;

namespace Sequences.Functions.Api;

internal sealed record QueueHealthResponse(string Name, int ApproximateDepth, double? OldestMessageAgeSeconds);

internal sealed record HealthResponse(
    string Status, bool StorageReachable, string? Error, IReadOnlyList<QueueHealthResponse> Queues, IReadOnlyList<QueueHealthResponse> PoisonQueues,
    DateTimeOffset? EarliestTimer, double DispatcherLagSeconds);

/// <summary>GET /api/health: storage reachable, queue backlogs, poison counts, dispatcher lag. 503 when unhealthy.</summary>
internal static class HealthEndpoints
{
    /// <summary>Timers overdue by more than this mean the dispatcher is not keeping up (or not running).</summary>
    private static readonly TimeSpan MaxLag = TimeSpan.FromMinutes(1);

    public static void MapHealth(this RouteGroupBuilder api) => api.MapGet("/health", GetHealth);

    private static async Task<IResult> GetHealth(StorageHealth health, CancellationToken ct)
    {
        var r = await health.CheckAsync(ct);
        var healthy = r.Reachable && r.DispatcherLag < MaxLag;
        var body = new HealthResponse(
            healthy ? "healthy" : "unhealthy", r.Reachable, r.Error,
            r.Queues.Select(Map).ToList(), r.PoisonQueues.Select(Map).ToList(), r.EarliestTimer, r.DispatcherLag.TotalSeconds);
        return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static QueueHealthResponse Map(QueueHealth q) => new(q.Name, q.ApproximateDepth, q.OldestMessageAge?.TotalSeconds);
}
