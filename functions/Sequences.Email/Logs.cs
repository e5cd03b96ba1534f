using Microsoft.Extensions.Logging;

namespace Sequences.Email;

/// <summary>Structured log messages of the email transports (event ids 3000–3999).</summary>
internal static partial class Logs
{
    [LoggerMessage(3001, LogLevel.Information, "Email {MessageId} for enrollment {EnrollmentId} written to {Path}")]
    public static partial void PickupWritten(this ILogger logger, string enrollmentId, string messageId, string path);

    [LoggerMessage(3002, LogLevel.Information, "Email {MessageId} for enrollment {EnrollmentId} is already in the pickup folder at {Path}; not written again")]
    public static partial void PickupAlreadyWritten(this ILogger logger, string enrollmentId, string messageId, string path);

    [LoggerMessage(3010, LogLevel.Debug, "Connected to SMTP server {Host}:{Port} ({Security}); {Idle} idle connections pooled")]
    public static partial void SmtpConnected(this ILogger logger, string host, int port, string security, int idle);

    [LoggerMessage(3011, LogLevel.Information, "Email {MessageId} for enrollment {EnrollmentId} accepted by SMTP server {Host}: {Response}")]
    public static partial void SmtpSent(this ILogger logger, string enrollmentId, string messageId, string host, string response);

    [LoggerMessage(3012, LogLevel.Warning, "Email {MessageId} for enrollment {EnrollmentId} failed at SMTP server {Host} ({Kind}): {Error}")]
    public static partial void SmtpFailed(this ILogger logger, string enrollmentId, string messageId, string host, string kind, string error);

    [LoggerMessage(3013, LogLevel.Debug, "An idle SMTP connection to {Host} failed NOOP; reconnecting: {Error}")]
    public static partial void SmtpStale(this ILogger logger, string host, string error);
}
