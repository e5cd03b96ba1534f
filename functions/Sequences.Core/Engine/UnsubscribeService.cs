using Sequences.Core.Email;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>One-click unsubscribe (RFC 8058): suppresses the contact and ends its enrollment.</summary>
public sealed class UnsubscribeService(
    SigningKeys keys,
    IContactStore contacts,
    EnrollmentService enrollments,
    TransitionWriter writer,
    TimeProvider time)
{
    public const string InvalidLinkCode = "UNSUBSCRIBE_LINK_INVALID";

    /// <summary>Checks a link's token without changing anything (the confirmation page).</summary>
    public async Task<Result<Contact>> ReadAsync(string token, CancellationToken cancellationToken)
    {
        var key = await keys.UnsubscribeKeyAsync(cancellationToken);
        if (!UnsubscribeToken.TryRead(key, token, out var contactId, out _)
            || await contacts.GetAsync(contactId, cancellationToken) is not { } contact)
        {
            return Invalid();
        }

        return contact.Value;
    }

    public async Task<Result<Contact>> UnsubscribeAsync(string token, CancellationToken cancellationToken)
    {
        var key = await keys.UnsubscribeKeyAsync(cancellationToken);
        if (!UnsubscribeToken.TryRead(key, token, out var contactId, out var enrollmentId))
        {
            return Invalid();
        }

        var now = time.GetUtcNow();
        await writer.UpdateContactAsync(contactId, c => c.Unsubscribed ? null : c with { Unsubscribed = true, UpdatedAt = now }, cancellationToken);
        if (await contacts.GetAsync(contactId, cancellationToken) is not { } contact)
        {
            return Invalid();
        }

        // The link's enrollment, and whatever the contact is active in now (it may have moved on).
        await enrollments.UnenrollAsync(enrollmentId, EndReasons.Unsubscribed, "The contact unsubscribed by the link in an email.", cancellationToken);
        if (await contacts.GetActiveEnrollmentAsync(contactId, cancellationToken) is { } active && active.Value.EnrollmentId != enrollmentId)
        {
            await enrollments.UnenrollAsync(active.Value.EnrollmentId, EndReasons.Unsubscribed, "The contact unsubscribed by the link in an email.", cancellationToken);
        }

        return contact.Value;
    }

    private static DomainError Invalid() =>
        new(ErrorKind.NotFound, InvalidLinkCode, "Unsubscribe link not valid", "This unsubscribe link is not valid or has been altered.");
}
