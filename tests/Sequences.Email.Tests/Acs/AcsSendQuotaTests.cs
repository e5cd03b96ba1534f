using Microsoft.Extensions.Time.Testing;
using Sequences.Core.Email;
using Sequences.Email.Acs;

namespace Sequences.Email.Tests.Acs;

/// <summary>The per-instance send quota, on a fake clock.</summary>
public class AcsSendQuotaTests
{
    [Fact]
    public async Task The_thirty_first_send_in_a_minute_waits_the_last_seconds_for_the_minute_to_roll_over()
    {
        await using var stub = new AcsStub();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var transport = AcsTestTransports.WithKey(stub, time);

        for (var i = 0; i < 30; i++)
        {
            await transport.SendAsync(TestEmails.Create(), CancellationToken.None);
        }

        // Three seconds before the minute rolls over: within the few seconds a send may wait.
        time.Advance(TimeSpan.FromSeconds(57));
        var thirtyFirst = transport.SendAsync(TestEmails.Create(), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(thirtyFirst.IsCompleted);
        Assert.Equal(30, stub.Requests.Count);

        time.Advance(TimeSpan.FromSeconds(1));
        await thirtyFirst.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(31, stub.Requests.Count);
        Assert.Equal("Mon, 02 Mar 2026 09:01:00 GMT", stub.Requests.Last().Header("x-ms-date"));
    }

    [Fact]
    public async Task A_spent_hourly_quota_refuses_with_the_wait_as_retry_after()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var quota = new AcsSendQuota(perMinute: 30, perHour: 100, time);

        // 100 sends spread over four minutes (30 a minute), then the hour is spent until 09:00 + 1h.
        for (var minute = 0; minute < 4; minute++)
        {
            for (var i = 0; i < (minute < 3 ? 30 : 10); i++)
            {
                Assert.Equal(TimeSpan.Zero, await quota.WaitAsync(CancellationToken.None));
            }

            time.Advance(TimeSpan.FromMinutes(1));
        }

        var refused = await Assert.ThrowsAsync<EmailSendException>(() => quota.WaitAsync(CancellationToken.None));

        Assert.Equal(SendFailureKind.NotSent, refused.Kind);
        Assert.Equal(TimeSpan.FromMinutes(56), refused.RetryAfter);
        Assert.Contains("30/minute, 100/hour", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_send_takes_no_slot()
    {
        var time = new FakeTimeProvider();
        var quota = new AcsSendQuota(perMinute: 5, perHour: 1, time);
        await quota.WaitAsync(CancellationToken.None);

        await Assert.ThrowsAsync<EmailSendException>(() => quota.WaitAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(TimeSpan.Zero, await quota.WaitAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Waiting_sends_queue_one_slot_each()
    {
        var time = new FakeTimeProvider();
        var quota = new AcsSendQuota(perMinute: 1, perHour: 100, time, maxWait: TimeSpan.FromMinutes(3));
        await quota.WaitAsync(CancellationToken.None);

        var second = quota.WaitAsync(CancellationToken.None);
        var third = quota.WaitAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromMinutes(1), await second.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.FromMinutes(2), await third.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_cancelled_wait_gives_its_slot_back()
    {
        var time = new FakeTimeProvider();
        var quota = new AcsSendQuota(perMinute: 1, perHour: 100, time, maxWait: TimeSpan.FromMinutes(2));
        await quota.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = quota.WaitAsync(cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        var next = quota.WaitAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromMinutes(1), await next.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_slot_more_than_a_few_seconds_away_is_refused_so_the_step_is_put_off_not_held()
    {
        // The step's activity must finish well under a minute: the engine sleeps on a durable timer instead.
        var time = new FakeTimeProvider();
        var quota = new AcsSendQuota(perMinute: 1, perHour: 100, time);
        await quota.WaitAsync(CancellationToken.None);

        var refused = await Assert.ThrowsAsync<EmailSendException>(() => quota.WaitAsync(CancellationToken.None));
        Assert.Equal(SendFailureKind.NotSent, refused.Kind);
        Assert.Equal(TimeSpan.FromMinutes(1), refused.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(5), quota.MaxWait);
    }
}
