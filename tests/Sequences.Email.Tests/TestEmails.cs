using Sequences.Core.Email;

namespace Sequences.Email.Tests;

/// <summary>Rendered emails as the composer makes them, with a unique enrollment per call.</summary>
internal static class TestEmails
{
    public static OutgoingEmail Create(string? to = null, string? enrollmentId = null, int step = 1)
    {
        var enrollment = enrollmentId ?? Guid.NewGuid().ToString("N");
        var from = new EmailAddress("alex@sender.example", "Alex Sender");
        return new OutgoingEmail(
            MessageIds.IdempotencyKey(enrollment, step),
            MessageIds.For(enrollment, step, from.Domain),
            from,
            new EmailAddress(to ?? UniqueRecipient(), "Robin Reader"),
            "Quick question",
            "<!DOCTYPE html><html><body><p>Hi Robin,</p><p>Caf\u00e9 on Friday?</p></body></html>\n",
            "Hi Robin,\n\nCaf\u00e9 on Friday?\n",
            InReplyTo: null,
            References: [],
            UnsubscribeUrl: $"https://app.example/unsubscribe/{enrollment}",
            Date: new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.FromHours(1)))
        {
            Headers = new Dictionary<string, string>
            {
                ["X-Sequences-Enrollment"] = enrollment,
                ["X-Sequences-Step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>A follow-up in the first email's thread, as the composer makes it.</summary>
    public static OutgoingEmail FollowUp(string to)
    {
        var enrollment = Guid.NewGuid().ToString("N");
        var first = MessageIds.For(enrollment, 1, "sender.example");
        return Create(to, enrollment, step: 2) with { Subject = "Re: Quick question", InReplyTo = first, References = [first] };
    }

    /// <summary>Each test sends to its own address, so tests sharing one SMTP sink do not see each other's mail.</summary>
    public static string UniqueRecipient() => $"robin-{Guid.NewGuid():N}@reader.example";
}
