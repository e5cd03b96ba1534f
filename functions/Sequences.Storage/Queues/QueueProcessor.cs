using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace Sequences.Storage.Queues;

/// <summary>
/// Queue-trigger semantics for local runs, matching the Azure Functions host (host.json
/// <c>extensions.queues</c>): batches, a new batch when in-flight work drops to a threshold, the
/// message kept invisible while it is processed, deleted on success, made visible again after a
/// delay on failure, and after <see cref="QueueProcessorOptions.MaxDequeueCount"/> failed dequeues
/// copied to <c>&lt;queue&gt;-poison</c> and deleted. Unlike the host's fixed retry delay, the
/// delay grows with each attempt.
/// </summary>
public sealed class QueueProcessorOptions
{
    public const string Section = "Queues";

    public int BatchSize { get; set; } = 16;
    public int NewBatchThreshold { get; set; } = 8;
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Delay before a failed message is retried (doubled per attempt, at most 10 minutes).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between polls of an empty queue.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a received message stays invisible while processed (renewed at half-time).</summary>
    public TimeSpan ProcessingLease { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RetryDelay(long dequeueCount) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(10).Ticks, VisibilityTimeout.Ticks * (1L << (int)Math.Clamp(dequeueCount - 1, 0, 20))));
}

/// <summary>A received queue message, as handlers see it.</summary>
public sealed record QueueMessageContext(string QueueName, string MessageId, string Text, long DequeueCount, DateTimeOffset? InsertedOn);

public sealed class QueueProcessor(
    QueueClient queue,
    QueueClient poisonQueue,
    Func<QueueMessageContext, CancellationToken, Task> handler,
    QueueProcessorOptions options,
    QueueSignals signals,
    ILogger logger)
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CoalesceWakeUps = TimeSpan.FromMilliseconds(25);

    public string QueueName => queue.Name;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(options.BatchSize + options.NewBatchThreshold);
        var running = new List<Task>();
        var idle = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            var free = slots.CurrentCount;
            // Like the host: fetch a new batch only once in-flight work is down to the threshold.
            if (options.BatchSize + options.NewBatchThreshold - free > options.NewBatchThreshold)
            {
                await Task.WhenAny(running.Append(Task.Delay(100, stoppingToken)));
                continue;
            }

            QueueMessage[] batch;
            try
            {
                var response = await queue.ReceiveMessagesAsync(Math.Min(options.BatchSize, free), options.ProcessingLease, stoppingToken);
                batch = response.Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RequestFailedException || StorageFailures.IsUnavailable(e))
            {
                logger.ReceiveFailed(queue.Name, e.Message.Split('\n')[0]);
                await Delay(TimeSpan.FromSeconds(2), stoppingToken);
                continue;
            }

            if (batch.Length == 0)
            {
                if (await WaitQuietly(idle, stoppingToken))
                {
                    // Woken by a message this process enqueued: wait a moment so that one receive
                    // takes the burst it is likely part of, rather than one receive per message.
                    await Delay(CoalesceWakeUps, stoppingToken);
                }

                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, options.MaxPollingInterval.Ticks));
                continue;
            }

            idle = MinPollingInterval;
            foreach (var message in batch)
            {
                await slots.WaitAsync(stoppingToken);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await ProcessAsync(message, stoppingToken);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }

        await Task.WhenAll(running);
    }

    /// <summary>Processes one message with the host's success, retry and poison rules.</summary>
    public async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        if (message.DequeueCount > options.MaxDequeueCount)
        {
            // A worker died while processing its last allowed attempt.
            await PoisonAsync(message, message.PopReceipt, "dequeue count exceeded", CancellationToken.None);
            return;
        }

        using var renewal = new CancellationTokenSource();
        var receipt = new PopReceipt(message.PopReceipt);
        var renewTask = RenewAsync(message.MessageId, receipt, renewal.Token);
        try
        {
            await handler(new QueueMessageContext(queue.Name, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn), stoppingToken);
            await renewal.CancelAsync();
            await renewTask;
            await queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            await renewal.CancelAsync();
            await renewTask;
            if (message.DequeueCount >= options.MaxDequeueCount)
            {
                logger.MessagePoisoned(queue.Name, message.MessageId, message.DequeueCount, e.Message);
                await PoisonAsync(message, receipt.Value, e.Message, CancellationToken.None);
            }
            else
            {
                var delay = options.RetryDelay(message.DequeueCount);
                logger.MessageFailed(queue.Name, message.MessageId, message.DequeueCount, delay, e);
                await TryAsync(() => queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: delay, cancellationToken: CancellationToken.None));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: make the message visible again for whoever runs next.
            await renewal.CancelAsync();
            await renewTask;
            await TryAsync(() => queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None));
        }
    }

    private async Task PoisonAsync(QueueMessage message, string popReceipt, string reason, CancellationToken cancellationToken) =>
        await TryAsync(async () =>
        {
            await poisonQueue.SendMessageAsync(message.Body.ToString(), timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, popReceipt, cancellationToken);
            logger.MovedToPoison(queue.Name, poisonQueue.Name, message.MessageId, reason);
        });

    private async Task RenewAsync(string messageId, PopReceipt receipt, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.ProcessingLease / 2, cancellationToken);
                var updated = await queue.UpdateMessageAsync(messageId, receipt.Value, visibilityTimeout: options.ProcessingLease, cancellationToken: cancellationToken);
                receipt.Value = updated.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is RequestFailedException || StorageFailures.IsUnavailable(e))
        {
            logger.RenewFailed(queue.Name, messageId, e.Message.Split('\n')[0]);
        }
    }

    /// <summary>Returns true when poked, false on time-out or stop.</summary>
    private async Task<bool> WaitQuietly(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await signals.WaitAsync(queue.Name, timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (RequestFailedException e) when (e.Status is 404 or 400)
        {
            // The pop receipt expired or the message is gone: it will be (or was) delivered again.
            logger.ReceiptLost(queue.Name, e.Message);
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e))
        {
            // Storage is away: the message becomes visible again when its lease ends, and is
            // processed again (handlers are idempotent).
            logger.QueueUpdateFailed(queue.Name, e.Message.Split('\n')[0]);
        }
    }

    private sealed class PopReceipt(string value)
    {
        public string Value { get; set; } = value;
    }
}
