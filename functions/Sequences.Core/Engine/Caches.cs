using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sequences.Core.Decisions;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>
/// The last enrollment state (and ETag) this process wrote. The step runner may use it instead of
/// a read, but only for an ETag-conditional write: if the state moved on elsewhere the write
/// fails with a conflict and the runner reads afresh. A decision to ignore or defer is never
/// taken on cached state alone. Saves one storage read per step in the common case where the
/// process that scheduled a step also runs it.
/// </summary>
public sealed class EnrollmentCache
{
    private const int Capacity = 50_000;
    private readonly ConcurrentDictionary<string, Versioned<Enrollment>> _entries = new(StringComparer.Ordinal);

    public void Remember(Enrollment state, string etag)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        _entries[state.Id] = new Versioned<Enrollment>(state, etag);
    }

    public Versioned<Enrollment>? Recent(string enrollmentId) => _entries.TryGetValue(enrollmentId, out var v) ? v : null;

    public void Forget(string enrollmentId) => _entries.TryRemove(enrollmentId, out _);
}

/// <summary>
/// Sequences, senders (with their send ledger) and contacts as the engine reads them while running steps, kept for a short
/// time (<see cref="SequencesOptions.ReferenceCacheTtl"/>). Edits made through this process are
/// seen at once; edits made through another process within the TTL. Suppression never depends on
/// this cache: unsubscribes and bounces end the enrollment itself, which every step re-checks.
/// </summary>
public sealed class ReferenceCache(
    ISequenceStore sequences,
    IUserStore users,
    IContactStore contacts,
    IOptions<SequencesOptions> options,
    TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (object? Value, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public Task<Sequence?> SequenceAsync(string id, CancellationToken cancellationToken) =>
        GetAsync($"s|{id}", async () => (await sequences.GetAsync(id, cancellationToken))?.Value);

    /// <summary>The sender and their send ledger (the window the step runner checks), read in one request.</summary>
    public Task<SenderSnapshot?> SenderAsync(string id, CancellationToken cancellationToken) =>
        GetAsync($"u|{id}", () =>
        {
            var now = time.GetUtcNow();
            return users.GetWithLedgerAsync(id, now - TimeSpan.FromDays(1), now + SendLimits.Horizon + TimeSpan.FromDays(1), cancellationToken);
        });

    public Task<Contact?> ContactAsync(string id, CancellationToken cancellationToken) =>
        GetAsync($"c|{id}", async () => (await contacts.GetAsync(id, cancellationToken))?.Value);

    /// <summary>Keeps a value just read fresh by someone else (the enrollment reads the contact and sender its first step needs).</summary>
    public void Prime(Contact c) => Put($"c|{c.Id}", c);

    public void Prime(SenderSnapshot s) => Put($"u|{s.User.Value.Id}", s);

    private void Put(string key, object value)
    {
        if (options.Value.ReferenceCacheTtl > TimeSpan.Zero)
        {
            _entries[key] = (value, time.GetUtcNow() + options.Value.ReferenceCacheTtl);
        }
    }

    public void Invalidate(Sequence s) => _entries.TryRemove($"s|{s.Id}", out _);

    public void InvalidateSender(string userId) => _entries.TryRemove($"u|{userId}", out _);

    public void Invalidate(Contact c) => _entries.TryRemove($"c|{c.Id}", out _);

    private async Task<T?> GetAsync<T>(string key, Func<Task<T?>> load)
        where T : class
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(key, out var hit) && hit.Until > now)
        {
            return (T?)hit.Value;
        }

        var value = await load();
        var ttl = options.Value.ReferenceCacheTtl;
        if (ttl > TimeSpan.Zero)
        {
            if (_entries.Count > 100_000)
            {
                _entries.Clear();
            }

            _entries[key] = (value, now + ttl);
        }

        return value;
    }
}
