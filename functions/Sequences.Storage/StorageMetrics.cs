using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Sequences.Storage;

/// <summary>
/// Counts storage requests (billable transactions) by service and operation, from an Azure SDK
/// pipeline policy that sees every HTTP request, retries included.
/// </summary>
public sealed class StorageMetrics
{
    private static readonly AsyncLocal<string?> CurrentActivity = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _byActivity = new(StringComparer.Ordinal);
    private long _total;

    /// <summary>
    /// Attributes the storage requests made by the calling flow (and what it awaits) to
    /// <paramref name="activity"/> — "api", "step", "inbound", "operations" — until the scope is disposed.
    /// </summary>
    public static IDisposable Activity(string activity)
    {
        var previous = CurrentActivity.Value;
        CurrentActivity.Value = activity;
        return new Restore(previous);
    }

    public IReadOnlyDictionary<string, long> ByActivity() => new Dictionary<string, long>(_byActivity, StringComparer.Ordinal);

    public long Total => Interlocked.Read(ref _total);

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    public void Reset()
    {
        _counts.Clear();
        _byActivity.Clear();
        Interlocked.Exchange(ref _total, 0);
    }

    internal void Count(string key, string? activity = null)
    {
        Interlocked.Increment(ref _total);
        _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
        _byActivity.AddOrUpdate(activity ?? CurrentActivity.Value ?? "other", 1, (_, n) => n + 1);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => CurrentActivity.Value = previous;
    }

    internal HttpPipelinePolicy Policy(string service) => new CountingPolicy(this, service, null);

    /// <summary>A policy for another component's clients (the Durable Task provider): its requests all count as <paramref name="activity"/>.</summary>
    public HttpPipelinePolicy Policy(string service, string activity) => new CountingPolicy(this, $"{activity}.{service}", activity);

    private sealed class CountingPolicy(StorageMetrics metrics, string service, string? activity) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            var path = message.Request.Uri.Path;
            var resource = service.EndsWith("queue", StringComparison.Ordinal)
                ? (path.EndsWith("/messages", StringComparison.Ordinal) ? "messages" : path.Contains("/messages/", StringComparison.Ordinal) ? "message" : "queue")
                : (path.Contains("$batch", StringComparison.Ordinal) ? "batch" : path.Contains('(', StringComparison.Ordinal) ? "entity" : "table");
            metrics.Count($"{service}.{message.Request.Method.Method}.{resource}", activity);
        }
    }
}
