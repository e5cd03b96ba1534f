using Sequences.Core.Email;

namespace Sequences.Core.Ports;

/// <summary>Hands a rendered email to a mail system.</summary>
public interface IEmailTransport
{
    /// <summary>
    /// True when sending the same <see cref="OutgoingEmail.IdempotencyKey"/> twice delivers it
    /// once (the pickup folder and ACS's Operation-Id do; SMTP cannot). Only such a transport is
    /// asked to resend a step whose first attempt ended in doubt.
    /// </summary>
    bool DeduplicatesResends { get; }

    /// <summary>Sends the email or throws <see cref="EmailSendException"/> saying whether it may have left.</summary>
    Task<EmailSendResult> SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}
