namespace Sequences.Core.Ports;

/// <summary>A response kept for replay under an idempotency key.</summary>
public sealed record StoredResponse(int Status, string ContentType, string Body, string? Location);

/// <summary>The outcome of claiming an idempotency key.</summary>
public enum IdempotencyOutcome
{
    /// <summary>The key is new (or its earlier holder died): run the request, then complete the key.</summary>
    Started,

    /// <summary>The same request completed before: replay <see cref="IdempotencyClaim.Response"/>.</summary>
    Replay,

    /// <summary>The key was used for a different request.</summary>
    Mismatch,

    /// <summary>The same request is running right now elsewhere.</summary>
    InProgress,
}

public sealed record IdempotencyClaim(IdempotencyOutcome Outcome, StoredResponse? Response = null);

/// <summary>Idempotency keys (the Idempotency-Key header), kept for a day.</summary>
public interface IIdempotencyStore
{
    /// <summary>Claims <paramref name="key"/> for a request whose content hashes to <paramref name="fingerprint"/>.</summary>
    Task<IdempotencyClaim> BeginAsync(string scope, string key, string fingerprint, CancellationToken cancellationToken);

    /// <summary>Stores the response of a started request for replay.</summary>
    Task CompleteAsync(string scope, string key, StoredResponse response, CancellationToken cancellationToken);

    /// <summary>Releases a started key whose request failed unexpectedly, so a retry runs it again.</summary>
    Task AbandonAsync(string scope, string key, CancellationToken cancellationToken);
}
