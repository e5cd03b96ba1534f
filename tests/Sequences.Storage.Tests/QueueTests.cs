using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Sequences.Core.Engine;
using Sequences.Core.Ports;
using Sequences.Storage.Queues;
using Sequences.Testing;

namespace Sequences.Storage.Tests;

public class QueueTests
{
    [Fact]
    public async Task Operation_messages_are_base64_on_the_wire_as_the_functions_host_expects()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var operation = BulkOperation.Create(BulkOperation.Pause, BulkOperation.SequenceScope, "s1");
        await ctx.Get<IOperationQueue>().EnqueueAsync(operation, default);
        var raw = new QueueClient(ctx.ConnectionString, $"{ctx.Prefix}-operations"); // no decoding
        var peeked = (await raw.PeekMessagesAsync(1)).Value.Single();
        var json = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(peeked.Body.ToString()));
        Assert.Equal(operation, BulkOperation.Parse(json));
    }

    [Fact]
    public async Task A_processed_message_is_deleted_and_a_failing_one_lands_in_poison_after_five_dequeues()
    {
        await using var ctx = await StorageTestContext.CreateAsync();
        var clients = ctx.Get<StorageClients>();
        var queue = clients.Queue("inbound");
        await queue.SendMessageAsync("good");
        await queue.SendMessageAsync("bad");
        var attempts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var options = new QueueProcessorOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(100), MaxPollingInterval = TimeSpan.FromMilliseconds(100) };
        var processor = new QueueProcessor(queue, clients.Queue("inbound-poison"), (m, _) =>
        {
            attempts.AddOrUpdate(m.Text, 1, (_, n) => n + 1);
            return m.Text == "bad" ? throw new InvalidOperationException("boom") : Task.CompletedTask;
        }, options, new QueueSignals(), NullLogger.Instance);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = processor.RunAsync(cts.Token);
        var poison = clients.Queue("inbound-poison");
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
        var queue = clients.Queue("inbound");
        for (var i = 0; i < 100; i++)
        {
            await queue.SendMessageAsync($"m{i}");
        }

        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        QueueProcessor Make() => new(queue, clients.Queue("inbound-poison"), async (m, ct) =>
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
