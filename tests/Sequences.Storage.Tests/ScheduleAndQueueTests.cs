using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Sequences.Core.Engine;
using Sequences.Core.Ports;
using Sequences.Storage.Queues;
using Sequences.Testing;

namespace Sequences.Storage.Tests;

public class ScheduleAndQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static WorkMessage Msg(string id, DateTimeOffset due) => WorkMessage.ForStep("s1", id, 1, 1, due);

    [Fact]
    public async Task The_index_returns_only_due_timers_earliest_first_across_minutes()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var index = ctx.Get<IScheduleIndex>();
        await index.AddAsync(Msg("late", T0.AddMinutes(10)), T0.AddMinutes(10), default);
        await index.AddAsync(Msg("b", T0.AddSeconds(30)), T0.AddSeconds(30), default);
        await index.AddAsync(Msg("a", T0.AddMinutes(-3)), T0.AddMinutes(-3), default);
        await index.AddAsync(Msg("c", T0.AddMinutes(1).AddSeconds(1)), T0.AddMinutes(1).AddSeconds(1), default);

        var due = await index.GetDueAsync(T0.AddMinutes(1).AddSeconds(1), 100, default);
        Assert.Equal(["a", "b", "c"], due.Select(d => d.Message.EnrollmentId));
        Assert.Equal(T0.AddMinutes(-3), await index.GetEarliestDueAsync(default));

        await index.RemoveAsync(due, default);
        await index.RemoveAsync(due, default); // a second dispatcher removing the same entries
        Assert.Empty(await index.GetDueAsync(T0.AddMinutes(5), 100, default));
        Assert.Equal("late", Assert.Single(await index.GetDueAsync(T0.AddHours(1), 100, default)).Message.EnrollmentId);
    }

    [Fact]
    public async Task The_same_timer_written_twice_is_one_timer()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var index = ctx.Get<IScheduleIndex>();
        await index.AddAsync(Msg("a", T0), T0, default);
        await index.AddAsync(Msg("a", T0), T0, default);
        Assert.Single(await index.GetDueAsync(T0, 100, default));
    }

    [Fact]
    public async Task A_page_limit_returns_the_earliest_entries()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var index = ctx.Get<IScheduleIndex>();
        for (var i = 0; i < 30; i++)
        {
            await index.AddAsync(Msg($"e{i:D2}", T0.AddSeconds(i)), T0.AddSeconds(i), default);
        }

        var page = await index.GetDueAsync(T0.AddMinutes(1), 10, default);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i:D2}"), page.Select(p => p.Message.EnrollmentId));
    }

    [Fact]
    public async Task Work_messages_are_base64_on_the_wire_as_the_functions_host_expects()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        await ctx.Get<IWorkQueue>().EnqueueAsync(Msg("e1", T0), TimeSpan.Zero, default);
        var raw = new QueueClient(ctx.ConnectionString, $"{ctx.Prefix}-work"); // no decoding
        var peeked = (await raw.PeekMessagesAsync(1)).Value.Single();
        var json = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(peeked.Body.ToString()));
        Assert.Equal(Msg("e1", T0), WorkMessage.Parse(json));
    }

    [Fact]
    public async Task A_processed_message_is_deleted_and_a_failing_one_lands_in_poison_after_five_dequeues()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var clients = ctx.Get<StorageClients>();
        var queue = clients.Queue("work");
        await queue.SendMessageAsync("good");
        await queue.SendMessageAsync("bad");
        var attempts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var options = new QueueProcessorOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(100), MaxPollingInterval = TimeSpan.FromMilliseconds(100) };
        var processor = new QueueProcessor(queue, clients.Queue("work-poison"), (m, _) =>
        {
            attempts.AddOrUpdate(m.Text, 1, (_, n) => n + 1);
            return m.Text == "bad" ? throw new InvalidOperationException("boom") : Task.CompletedTask;
        }, options, new QueueSignals(), NullLogger.Instance);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = processor.RunAsync(cts.Token);
        var poison = clients.Queue("work-poison");
        await Eventually.TrueAsync(async () => (await poison.PeekMessagesAsync(1)).Value.Length == 1, TimeSpan.FromSeconds(20), "the bad message in poison");
        await cts.CancelAsync();
        await run;

        Assert.Equal(1, attempts["good"]);
        Assert.Equal(5, attempts["bad"]);
        Assert.Equal("bad", (await poison.PeekMessagesAsync(1)).Value[0].Body.ToString());
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Two_processors_share_a_queue_and_each_message_is_handled_once()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var clients = ctx.Get<StorageClients>();
        var queue = clients.Queue("work");
        for (var i = 0; i < 100; i++)
        {
            await queue.SendMessageAsync($"m{i}");
        }

        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        QueueProcessor Make() => new(queue, clients.Queue("work-poison"), async (m, ct) =>
        {
            seen.AddOrUpdate(m.Text, 1, (_, n) => n + 1);
            await Task.Delay(5, ct);
        }, new QueueProcessorOptions(), new QueueSignals(), NullLogger.Instance);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var runs = new[] { Make().RunAsync(cts.Token), Make().RunAsync(cts.Token) };
        await Eventually.TrueAsync(() => Task.FromResult(seen.Count == 100), TimeSpan.FromSeconds(20), "all 100 messages handled");
        await Task.Delay(300);
        await cts.CancelAsync();
        await Task.WhenAll(runs);
        Assert.All(seen.Values, n => Assert.Equal(1, n));
    }
}
