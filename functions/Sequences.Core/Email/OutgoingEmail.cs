namespace Sequences.Core.Email;

/// <summary>An address with an optional display name.</summary>
public sealed record EmailAddress(string Address, string? Name = null)
{
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];
}

/// <summary>
/// A fully rendered email, ready for a transport. <see cref="IdempotencyKey"/> (enrollment + step)
/// and <see cref="MessageId"/> are derived from the step, so a resend is the identical message.
/// </summary>
public sealed record OutgoingEmail(
    string IdempotencyKey,
    string MessageId,
    EmailAddress From,
    EmailAddress To,
    string Subject,
    string HtmlBody,
    string TextBody,
    string? InReplyTo,
    IReadOnlyList<string> References,
    string UnsubscribeUrl,
    DateTimeOffset Date)
{
    /// <summary>Extra headers to pass through (e.g. X-Sequences-Enrollment).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>What a transport reports after handing a message over.</summary>
public sealed record EmailSendResult(string? ProviderMessageId, bool WasAlreadySent = false);

/// <summary>Whether a failed send may have reached the recipient.</summary>
public enum SendFailureKind
{
    /// <summary>The message was certainly not accepted (connection refused, 4xx before data): retry later.</summary>
    NotSent,

    /// <summary>The server refused the recipient permanently (5xx at RCPT, ACS "Bounced"): a hard bounce.</summary>
    RecipientRejected,

    /// <summary>The server refused the message permanently for another reason (sender, content, policy).</summary>
    Rejected,

    /// <summary>The connection broke while the message was being handed over: it may or may not have left.</summary>
    Unknown,
}

/// <summary>A send that failed, classified by whether the email may have left.</summary>
public sealed class EmailSendException : Exception
{
    public EmailSendException(SendFailureKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public EmailSendException() : this(SendFailureKind.Unknown, "The send failed.") { }

    public EmailSendException(string message) : this(SendFailureKind.Unknown, message) { }

    public EmailSendException(string message, Exception inner) : this(SendFailureKind.Unknown, message, inner) { }

    public SendFailureKind Kind { get; }

    /// <summary>How long the provider asked us to wait, when it said (429 Retry-After).</summary>
    public TimeSpan? RetryAfter { get; init; }
}
