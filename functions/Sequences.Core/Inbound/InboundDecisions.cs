using Sequences.Core.Decisions;
using Sequences.Core.Model;

namespace Sequences.Core.Inbound;

/// <summary>What a piece of inbound news does to one enrollment. Pure.</summary>
public static class InboundDecisions
{
    /// <summary>Soft bounces for one enrollment after which the address is treated as dead.</summary>
    public const int SoftBounceLimit = 3;

    /// <summary>
    /// Records <paramref name="news"/> in the timeline and, with <paramref name="endReason"/>, ends
    /// the enrollment if it is still running. The same news twice (same type and inbound id, at
    /// least once delivery) changes nothing the second time. An ended enrollment still records it,
    /// so a late reply shows on the timeline and in the statistics.
    /// </summary>
    public static EndDecision OnNews(Enrollment e, TimelineEvent news, string? endReason, DateTimeOffset now)
    {
        if (news.MessageId is { } id && e.Events.Any(x => x.Type == news.Type && x.MessageId == id))
        {
            return new EndDecision.AlreadyEnded(e);
        }

        if (endReason is not null && !e.IsEnded)
        {
            return EnrollmentDecisions.OnEnd(e.WithEvent(news), endReason, now, news.Detail);
        }

        // Only the timeline changes: the revision stays, so the timer already set for the current
        // step still matches and the step still runs (the ETag still guards the write).
        return new EndDecision.Apply(new Transition(e.WithEvent(news)));
    }

    /// <summary>
    /// A soft bounce escalates to a hard one once an enrollment has had this many for the same
    /// reason (three different transient failures do not condemn an address). Failures about our
    /// sending never escalate: they are not the contact's.
    /// </summary>
    public static bool SoftBouncesExhausted(Enrollment e, BounceVerdict verdict) =>
        !verdict.AboutSender && e.Events.Count(x => x.Type == EventTypes.SoftBounce && x.Reason == verdict.Code) + 1 >= SoftBounceLimit;
}
