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
    /// <summary>
    /// The latest delivery failure that was about this user's sending (blocked, policy, rate,
    /// relay, authentication), for review: set by the engine, kept when the user is replaced.
    /// </summary>
    public DeliveryIssue? DeliveryIssue { get; init; }

    /// <summary>HubSpot's default daily limit of sequence emails per user.</summary>
    public const int DefaultDailySendLimit = 500;

    /// <summary>The user's first name, for the <c>{{ sender.firstName }}</c> token.</summary>
    public string FirstName => Name.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? Name;

    /// <summary>The addresses the user may send from: the connected mailboxes, or the user's own email.</summary>
    public IReadOnlyList<string> SendableAddresses => Mailboxes.Count > 0 ? Mailboxes : [Email];

    public bool CanSendFrom(string address) =>
        SendableAddresses.Any(a => string.Equals(a, address, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A delivery failure about how a user sends: the reason code, when, which enrollment, and the mail system's words.</summary>
public sealed record DeliveryIssue(string Reason, DateTimeOffset At, string? EnrollmentId, string Detail);
