using Sequences.Core.Model;

namespace Sequences.Core.Decisions;

/// <summary>Per-step figures of a sequence.</summary>
public sealed record StepStats(int Step, StepType Type, int Sent, int TasksCreated, int TasksCompleted, int Skipped);

/// <summary>A sequence's figures. Derived from enrollment records, which are never deleted, so no unenroll lowers them.</summary>
public sealed record SequenceStats(
    string SequenceId,
    int Enrolled,
    int Active,
    int Paused,
    int Finished,
    int Unenrolled,
    IReadOnlyDictionary<string, int> UnenrolledByReason,
    int EmailsSent,
    int TasksCreated,
    int TasksCompleted,
    int Replies,
    int Bounces,
    int Unsubscribes,
    int MeetingsBooked,
    IReadOnlyList<StepStats> Steps)
{
    /// <summary>Bounces (hard and soft, and those recorded for review) by reason code (<c>USER_UNKNOWN</c>, <c>MAILBOX_FULL</c>, …).</summary>
    public IReadOnlyDictionary<string, int> BouncesByReason { get; init; } = new Dictionary<string, int>();

    /// <summary>Enrollments the engine paused because a step cannot be done, by code (<c>SEND_REJECTED</c>, <c>TEMPLATE_RENDER_FAILED</c>, …).</summary>
    public IReadOnlyDictionary<string, int> PausedByReason { get; init; } = new Dictionary<string, int>();
}

/// <summary>The figures a list of sequences shows for each.</summary>
public sealed record HeadlineStats(int Enrolled, int Active, int Paused, int Finished, int Unenrolled, int EmailsSent, int Replies, int MeetingsBooked)
{
    public static HeadlineStats From(SequenceStats s) => new(s.Enrolled, s.Active, s.Paused, s.Finished, s.Unenrolled, s.EmailsSent, s.Replies, s.MeetingsBooked);
}

/// <summary>Computes <see cref="SequenceStats"/>. Pure.</summary>
public static class Statistics
{
    public static SequenceStats Compute(Sequence sequence, IEnumerable<Enrollment> enrollments)
    {
        int enrolled = 0, active = 0, paused = 0, finished = 0, unenrolled = 0, sent = 0, created = 0, completed = 0;
        int replies = 0, bounces = 0, unsubscribes = 0, meetings = 0;
        var byReason = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var bounceReasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var pauseReasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var stepCount = sequence.Steps.Count;
        var stepSent = new int[stepCount + 1];
        var stepCreated = new int[stepCount + 1];
        var stepCompleted = new int[stepCount + 1];
        var stepSkipped = new int[stepCount + 1];

        foreach (var e in enrollments)
        {
            enrolled++;
            switch (e.Status)
            {
                case EnrollmentStatus.Active: active++; break;
                case EnrollmentStatus.Paused:
                    paused++;
                    if (e.PauseReason is { } why)
                    {
                        pauseReasons[why] = pauseReasons.GetValueOrDefault(why) + 1;
                    }

                    break;
                case EnrollmentStatus.Finished: finished++; break;
                case EnrollmentStatus.Unenrolled:
                    unenrolled++;
                    var reason = e.EndReason ?? "UNKNOWN";
                    byReason[reason] = byReason.GetValueOrDefault(reason) + 1;
                    break;
            }

            var replied = e.EndReason is EndReasons.Replied;
            var met = e.EndReason is EndReasons.MeetingBooked;
            foreach (var ev in e.Events)
            {
                var step = ev.Step is { } s && s >= 1 && s <= stepCount ? s : 0;
                switch (ev.Type)
                {
                    case EventTypes.EmailSent:
                        sent++;
                        stepSent[step]++;
                        break;
                    case EventTypes.TaskCreated:
                        created++;
                        stepCreated[step]++;
                        break;
                    case EventTypes.TaskCompleted:
                        completed++;
                        stepCompleted[step]++;
                        break;
                    case EventTypes.StepSkipped:
                        stepSkipped[step]++;
                        break;
                    case EventTypes.ReplyReceived:
                        replied = true;
                        break;
                    case EventTypes.MeetingBooked:
                        met = true;
                        break;
                    case EventTypes.Bounced or EventTypes.SoftBounce or EventTypes.DeliveryFailed when ev.Reason is { } code:
                        bounceReasons[code] = bounceReasons.GetValueOrDefault(code) + 1;
                        break;
                }
            }

            replies += replied ? 1 : 0;
            meetings += met ? 1 : 0;
            bounces += e.EndReason == EndReasons.Bounced ? 1 : 0;
            unsubscribes += e.EndReason == EndReasons.Unsubscribed ? 1 : 0;
        }

        var steps = Enumerable.Range(1, stepCount)
            .Select(n => new StepStats(n, sequence.Steps[n - 1].Type, stepSent[n], stepCreated[n], stepCompleted[n], stepSkipped[n]))
            .ToList();
        return new SequenceStats(sequence.Id, enrolled, active, paused, finished, unenrolled, byReason, sent, created, completed,
            replies, bounces, unsubscribes, meetings, steps)
        {
            BouncesByReason = bounceReasons,
            PausedByReason = pauseReasons,
        };
    }
}
