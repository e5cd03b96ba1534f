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

    [LoggerMessage(4006, LogLevel.Error, "Timer function {Function} failed; it runs again at its next occurrence")]
    public static partial void TimerFailed(this ILogger logger, string function, Exception exception);

    [LoggerMessage(4007, LogLevel.Warning, "Could not wake the workflow of enrollment {EnrollmentId} ({Detail}); the reconciler will if its step becomes overdue")]
    public static partial void WakeFailed(this ILogger logger, string enrollmentId, string detail);

    [LoggerMessage(4009, LogLevel.Warning, "Could not start the workflow of enrollment {EnrollmentId} ({Detail}); the reconciler will once its step is overdue")]
    public static partial void StartFailed(this ILogger logger, string enrollmentId, string detail);

    [LoggerMessage(4012, LogLevel.Information, "Purged the history of {Count} workflows that finished more than {KeepHistory} ago")]
    public static partial void HistoryPurged(this ILogger logger, int count, TimeSpan keepHistory);

    [LoggerMessage(4010, LogLevel.Error, "A message on {Queue} could not be read and was dead-lettered: {Reason}")]
    public static partial void DeadLettered(this ILogger logger, string queue, string reason);

    [LoggerMessage(4011, LogLevel.Warning, "Sampling queue gauges failed: {Error}")]
    public static partial void GaugeSampleFailed(this ILogger logger, string error);

    [LoggerMessage(4013, LogLevel.Warning, "Storage could not be reached for {Method} {Path} (answered 503): {Error}")]
    public static partial void StorageUnavailable(this ILogger logger, string method, string path, string error);

    [LoggerMessage(4014, LogLevel.Warning, "Workflow {InstanceId}: dropped a {EventType} message, {Reason} (delivered again after a crash)")]
    public static partial void StaleMessageDropped(this ILogger logger, string instanceId, string eventType, string reason);

    [LoggerMessage(4008, LogLevel.Error, "Unhandled error on {Method} {Path}")]
    public static partial void Unhandled(this ILogger logger, string method, string path, Exception exception);
}
