using Microsoft.Extensions.Logging;

namespace Sequences.Storage;

/// <summary>Structured log messages of the storage adapters (event ids 2000–2999).</summary>
internal static partial class Logs
{
    [LoggerMessage(2001, LogLevel.Warning, "Receiving from queue {Queue} failed: {Error}")]
    public static partial void ReceiveFailed(this ILogger logger, string queue, string error);

    [LoggerMessage(2002, LogLevel.Warning, "Message {MessageId} on {Queue} failed (dequeue {DequeueCount}); retrying in {Delay}")]
    public static partial void MessageFailed(this ILogger logger, string queue, string messageId, long dequeueCount, TimeSpan delay, Exception exception);

    [LoggerMessage(2003, LogLevel.Error, "Message {MessageId} on {Queue} failed on its last allowed dequeue ({DequeueCount}): {Error}")]
    public static partial void MessagePoisoned(this ILogger logger, string queue, string messageId, long dequeueCount, string error);

    [LoggerMessage(2004, LogLevel.Error, "Message {MessageId} moved from {Queue} to {PoisonQueue}: {Reason}")]
    public static partial void MovedToPoison(this ILogger logger, string queue, string poisonQueue, string messageId, string reason);

    [LoggerMessage(2005, LogLevel.Warning, "Renewing the invisibility of message {MessageId} on {Queue} failed: {Error}")]
    public static partial void RenewFailed(this ILogger logger, string queue, string messageId, string error);

    [LoggerMessage(2006, LogLevel.Debug, "A pop receipt on {Queue} was no longer valid: {Error}")]
    public static partial void ReceiptLost(this ILogger logger, string queue, string error);

    [LoggerMessage(2007, LogLevel.Warning, "Storage did not answer a message update on {Queue}; the message is delivered again when its lease ends: {Error}")]
    public static partial void QueueUpdateFailed(this ILogger logger, string queue, string error);

    [LoggerMessage(2010, LogLevel.Information, "Storage ready: {Tables} tables and queues {Queues} (prefix '{Prefix}')")]
    public static partial void StorageReady(this ILogger logger, int tables, string queues, string prefix);
}
