namespace Sequences.Functions.Hosting;

/// <summary>Structured log messages of the host (event ids 4000–4999).</summary>
internal static partial class Logs
{
    [LoggerMessage(4001, LogLevel.Warning, "The API is open: no API keys are configured (set Api__Keys__0 to require X-Api-Key on /api routes)")]
    public static partial void ApiOpen(this ILogger logger);

    [LoggerMessage(4002, LogLevel.Information, "The API requires X-Api-Key ({Count} key(s) configured)")]
    public static partial void ApiKeys(this ILogger logger, int count);

    [LoggerMessage(4003, LogLevel.Information, "Listening on {Urls}; links in emails use {PublicBaseUrl}")]
    public static partial void Listening(this ILogger logger, string urls, Uri publicBaseUrl);

    [LoggerMessage(4004, LogLevel.Information, "Email transport: {Transport} {Where}")]
    public static partial void EmailTransport(this ILogger logger, string transport, string where);

    [LoggerMessage(4005, LogLevel.Information, "Hosting mode: {Mode}")]
    public static partial void Mode(this ILogger logger, string mode);

    [LoggerMessage(4006, LogLevel.Error, "Function {Function} failed")]
    public static partial void EnvelopeFailed(this ILogger logger, string function, Exception exception);

    [LoggerMessage(4007, LogLevel.Error, "The local dispatcher pass failed")]
    public static partial void DispatcherFailed(this ILogger logger, Exception exception);

    [LoggerMessage(4009, LogLevel.Warning, "Step {Step} of enrollment {EnrollmentId} (sequence {SequenceId}) failed inside a batch; retrying it alone")]
    public static partial void BatchItemFailed(this ILogger logger, string enrollmentId, string sequenceId, int step, Exception exception);

    [LoggerMessage(4010, LogLevel.Error, "A message on {Queue} could not be read and was dead-lettered: {Reason}")]
    public static partial void DeadLettered(this ILogger logger, string queue, string reason);

    [LoggerMessage(4011, LogLevel.Warning, "Sampling queue gauges failed: {Error}")]
    public static partial void GaugeSampleFailed(this ILogger logger, string error);

    [LoggerMessage(4008, LogLevel.Error, "Unhandled error on {Method} {Path}")]
    public static partial void Unhandled(this ILogger logger, string method, string path, Exception exception);
}
