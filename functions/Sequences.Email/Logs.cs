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

    [LoggerMessage(3020, LogLevel.Information, "Email {MessageId} for enrollment {EnrollmentId} accepted by ACS as operation {OperationId} ({Status})")]
    public static partial void AcsAccepted(this ILogger logger, string enrollmentId, string messageId, string operationId, int status);

    [LoggerMessage(3021, LogLevel.Information, "Email {MessageId} for enrollment {EnrollmentId} was already accepted by ACS as operation {OperationId}; not sent again")]
    public static partial void AcsAlreadyAccepted(this ILogger logger, string enrollmentId, string messageId, string operationId);

    [LoggerMessage(3022, LogLevel.Warning, "Email {MessageId} for enrollment {EnrollmentId} failed at ACS, operation {OperationId} ({Kind}): {Error}")]
    public static partial void AcsFailed(this ILogger logger, string enrollmentId, string messageId, string operationId, string kind, string error);

    [LoggerMessage(3023, LogLevel.Information, "ACS answered {Answer} for operation {OperationId}; attempt {Attempt} in {Delay}")]
    public static partial void AcsRetrying(this ILogger logger, string operationId, string answer, TimeSpan delay, int attempt);

    [LoggerMessage(3024, LogLevel.Information, "Email {MessageId} for enrollment {EnrollmentId} waited {Waited} for the ACS send quota")]
    public static partial void AcsQuotaWaited(this ILogger logger, string enrollmentId, string messageId, TimeSpan waited);
}
