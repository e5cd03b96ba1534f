using Sequences.Core.Email;
using Sequences.Core.Errors;
using Sequences.Core.Inbound;
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

    /// <summary>Checks a link's token without changing anything (the confirmation page); says the address it speaks for.</summary>
    public async Task<Result<string>> ReadAsync(string token, CancellationToken cancellationToken)
    {
        if (UnsubscribeToken.Read(await keys.AcceptedUnsubscribeKeysAsync(cancellationToken), token) is not { } link
            || await contacts.GetAsync(link.ContactId, cancellationToken) is not { } contact)
        {
            return Invalid();
        }

        return link.Address ?? contact.Value.Email ?? "your address";
    }

    /// <summary>
    /// Ends the link's enrollment, and suppresses the contact (ending whatever it is active in now)
    /// when the link was sent to the contact's current address: a link speaks only for the address
    /// it went to. Repeating it is fine (RFC 8058 one-click may be retried).
    /// </summary>
    public async Task<Result<string>> UnsubscribeAsync(string token, CancellationToken cancellationToken)
    {
        if (UnsubscribeToken.Read(await keys.AcceptedUnsubscribeKeysAsync(cancellationToken), token) is not { } link
            || await contacts.GetAsync(link.ContactId, cancellationToken) is not { } before)
        {
            return Invalid();
        }

        const string detail = "The contact unsubscribed by the link in an email.";
        await enrollments.UnenrollAsync(link.EnrollmentId, EndReasons.Unsubscribed, detail, cancellationToken);
        var address = link.Address ?? before.Value.Email;
        if (address is null || before.Value.Email is not { } current || !EmailAddresses.SameMailbox(address, current))
        {
            // The contact's address changed since: its new owner did not ask.
            return address ?? "You";
        }

        var now = time.GetUtcNow();
        await writer.UpdateContactAsync(link.ContactId, c => c.Unsubscribed ? null : c with { Unsubscribed = true, UpdatedAt = now }, cancellationToken);
        if (await contacts.GetActiveEnrollmentAsync(link.ContactId, cancellationToken) is { } active && active.Value.EnrollmentId != link.EnrollmentId)
        {
            await enrollments.UnenrollAsync(active.Value.EnrollmentId, EndReasons.Unsubscribed, detail, cancellationToken);
        }

        return address;
    }

    private static DomainError Invalid() =>
        new(ErrorKind.NotFound, InvalidLinkCode, "Unsubscribe link not valid", "This unsubscribe link is not valid or has been altered.");
}
