using Sequences.Core.Email;

namespace Sequences.Email.Acs;

/// <summary>
/// Keeps this instance's sends inside the resource's quota (by default ACS's 30 a minute and 100
/// an hour). It is a token bucket in the strict form the quota needs: a send takes a slot, and a
/// slot comes back exactly one window after the send that used it. A bucket that refills
/// continuously would let up to twice the quota through across a window boundary, which is
/// exactly what earns 429s.
/// <para>
/// A send that must wait for a slot waits, up to <see cref="MaxWait"/>; one that would wait longer
/// (the minute's or the hour's quota is spent) is refused as not sent with the time it would have
/// waited as its retry-after, so the engine puts the step off and its workflow sleeps on a durable
/// timer until then, instead of an activity holding a claimed step. The default bound is a few
/// seconds: an activity finishes well under a minute.
/// </para>
/// <para>
/// The count is per process. Scaled out to several instances the resource sees their sum; the
/// 429 handling (and the engine's per-sender send limits) cover that.
/// </para>
/// </summary>
internal sealed class AcsSendQuota(int perMinute, int perHour, TimeProvider time, TimeSpan? maxWait = null)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();

    /// <summary>Send times taken within the last hour, some possibly still ahead (waiting sends), ascending.</summary>
    private readonly List<DateTimeOffset> _slots = [];

    public TimeSpan MaxWait { get; } = maxWait ?? TimeSpan.FromSeconds(5);

    /// <summary>Takes the next slot and waits for it; returns how long it waited.</summary>
    /// <exception cref="EmailSendException">NotSent, with RetryAfter, when the slot is further away than <see cref="MaxWait"/>.</exception>
    public async Task<TimeSpan> WaitAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset slot;
        TimeSpan wait;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var expired = _slots.FindIndex(s => s > now - Hour);
            _slots.RemoveRange(0, expired < 0 ? _slots.Count : expired);

            slot = Latest(now, _slots.Count > 0 ? _slots[^1] : now, Free(perMinute, Minute), Free(perHour, Hour));
            wait = slot - now;
            if (wait > MaxWait)
            {
                throw new EmailSendException(
                    SendFailureKind.NotSent,
                    $"The ACS send quota of this instance ({perMinute}/minute, {perHour}/hour) has no slot for {wait:hh\\:mm\\:ss}; not sent.")
                {
                    RetryAfter = wait,
                };
            }

            // Never before the last slot taken, so the list stays in order.
            _slots.Add(slot);
        }

        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    _slots.Remove(slot);
                }

                throw;
            }
        }

        return wait;
    }

    /// <summary>When a window of <paramref name="length"/> allowing <paramref name="limit"/> sends has room: one window after the limit-th latest send.</summary>
    private DateTimeOffset Free(int limit, TimeSpan length) =>
        _slots.Count >= limit ? _slots[^limit] + length : DateTimeOffset.MinValue;

    private static DateTimeOffset Latest(params ReadOnlySpan<DateTimeOffset> times)
    {
        var latest = DateTimeOffset.MinValue;
        foreach (var t in times)
        {
            latest = t > latest ? t : latest;
        }

        return latest;
    }
}
