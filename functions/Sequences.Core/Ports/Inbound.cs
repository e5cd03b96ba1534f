using Sequences.Core.Inbound;

namespace Sequences.Core.Ports;

/// <summary>
/// Contacts by address and by company domain (addresses normalised, see <see cref="EmailAddresses"/>).
/// An index, not the truth: callers load the contact and check it still has the address.
/// </summary>
public interface IContactIndex
{
    /// <summary>Moves a contact's index entries from <paramref name="oldEmail"/> to <paramref name="newEmail"/>.</summary>
    Task UpdateAsync(string contactId, string? oldEmail, string? newEmail, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> FindByEmailAsync(string email, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> FindByDomainAsync(string domain, int max, CancellationToken cancellationToken);
}

/// <summary>An inbound message nothing matched, kept so it does not vanish.</summary>
public sealed record UnmatchedInbound(
    string Id,
    DateTimeOffset ReceivedAt,
    string Source,
    string Kind,
    string? From,
    IReadOnlyList<string> To,
    string? Subject,
    string Classification,
    string Reason);

/// <summary>Inbound bookkeeping: which items were processed (deduplication), and the unmatched list.</summary>
public interface IInboundLog
{
    Task<bool> IsProcessedAsync(string inboundId, CancellationToken cancellationToken);

    Task MarkProcessedAsync(string inboundId, CancellationToken cancellationToken);

    Task AddUnmatchedAsync(UnmatchedInbound item, CancellationToken cancellationToken);

    /// <summary>The newest unmatched items first.</summary>
    Task<IReadOnlyList<UnmatchedInbound>> ListUnmatchedAsync(int max, CancellationToken cancellationToken);
}

/// <summary>The inbound and bounces queues the HTTP endpoints feed.</summary>
public interface IInboundQueue
{
    /// <summary>Queues an item: delivery problems (DSNs, provider reports) on the bounces queue, the rest on the inbound queue.</summary>
    Task EnqueueAsync(InboundItem item, bool bounce, CancellationToken cancellationToken);
}
