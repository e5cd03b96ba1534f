namespace Sequences.Core.Model;

/// <summary>A CRM contact. <see cref="Bounced"/> and <see cref="Unsubscribed"/> are set by the engine,
/// never by a client's PUT.</summary>
public sealed record Contact(
    string Id,
    string? Email,
    string? FirstName,
    string? LastName,
    string? Company,
    string? OwnerUserId,
    IReadOnlyDictionary<string, string> Properties,
    bool Bounced,
    bool Unsubscribed,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public string? FullName =>
        string.Join(' ', new[] { FirstName, LastName }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } n ? n : null;
}
