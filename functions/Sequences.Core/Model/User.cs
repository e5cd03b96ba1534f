namespace Sequences.Core.Model;

/// <summary>A sales user who sends sequences.</summary>
public sealed record User(
    string Id,
    string Email,
    string Name,
    IReadOnlyList<string> Mailboxes,
    int DailySendLimit,
    string? TimeZone,
    bool Active,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>HubSpot's default daily limit of sequence emails per user.</summary>
    public const int DefaultDailySendLimit = 500;

    /// <summary>The user's first name, for the <c>{{ sender.firstName }}</c> token.</summary>
    public string FirstName => Name.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? Name;

    /// <summary>The addresses the user may send from: the connected mailboxes, or the user's own email.</summary>
    public IReadOnlyList<string> SendableAddresses => Mailboxes.Count > 0 ? Mailboxes : [Email];

    public bool CanSendFrom(string address) =>
        SendableAddresses.Any(a => string.Equals(a, address, StringComparison.OrdinalIgnoreCase));
}
