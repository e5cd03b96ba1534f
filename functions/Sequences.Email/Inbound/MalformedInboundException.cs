namespace Sequences.Email.Inbound;

/// <summary>
/// An inbound post that is not a usable email: not MIME at all, no sender, an unreadable form field.
/// The endpoint answers it with a client error instead of queueing it: retrying cannot fix it.
/// </summary>
public sealed class MalformedInboundException : Exception
{
    public MalformedInboundException()
        : this("The inbound message is malformed.")
    {
    }

    public MalformedInboundException(string reason)
        : base(reason)
    {
    }

    public MalformedInboundException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }

    /// <summary>Why the input was refused, in words fit for the caller (no content of the message).</summary>
    public string Reason => Message;
}
