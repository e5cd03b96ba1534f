using Sequences.Core.Email;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Scheduling;

namespace Sequences.Core.Decisions;

/// <summary>
/// The enrollment state machine, as pure functions of (state, input, now). No clock, no ids, no
/// I/O: the engine loads state, calls one of these, and applies the result.
/// </summary>
public static class EnrollmentDecisions
{
    /// <summary>
    /// What the enrollment's workflow should do with it now, before anything else is loaded: is a
    /// step due, or should the workflow wait (until a time, or until the enrollment changes), or is
    /// it over? Null means "a step is due: go on and decide". The enrollment record alone decides,
    /// so a stale, repeated or early wake-up does nothing wrong.
    /// </summary>
    public static StepDecision? Guard(Enrollment? e, DateTimeOffset now)
    {
        if (e is null)
        {
            return new StepDecision.Done("enrollment not found");
        }

        if (e.IsEnded)
        {
            return new StepDecision.Done($"enrollment ended ({e.EndReason})");
        }

        if (e.PendingStop is not null && e.Phase != StepPhase.Executing)
        {
            // An unenroll or pause accepted while the step was in flight: apply it now.
            return null;
        }

        if (e.Status == EnrollmentStatus.Paused)
        {
            return new StepDecision.Idle("enrollment paused (resuming wakes it)");
        }

        return e.Phase switch
        {
            StepPhase.AwaitingTask => new StepDecision.Idle("waiting for the step's task to be completed"),
            StepPhase.Executing when e.LeaseUntil is { } lease && lease > now => new StepDecision.Defer(lease, "another worker is executing this step"),
            StepPhase.Waiting when e.DueAt is { } due && due > now + StepPolicy.EarlyTolerance => new StepDecision.Defer(due, "not due yet"),
            _ => null,
        };
    }

    /// <summary>Decides a due step once the guard has passed.</summary>
    public static StepDecision OnStepDue(
        Enrollment e, Sequence? sequence, Contact? contact, User? sender, DateTimeOffset now, StepPolicy policy,
        SendLedger? ledger = null)
    {
        if (Guard(e, now) is { } guarded)
        {
            return guarded;
        }

        if (e.PendingStop is { } stop)
        {
            return new StepDecision.Apply(ApplyStop(e, stop, now));
        }

        if (sequence is null || sequence.DeletedAt is not null)
        {
            return new StepDecision.Apply(End(e, EndReasons.SequenceDeleted, now, "the sequence was deleted"));
        }

        var step = sequence.StepAt(e.CurrentStep);
        if (step is null)
        {
            // The sequence was shortened past this enrollment's position.
            return new StepDecision.Apply(Finish(e, now));
        }

        if (sender is null || !sender.Active)
        {
            return new StepDecision.Apply(End(e, EndReasons.SenderDeactivated, now, "the sender is inactive"));
        }

        if (!step.IsAutomatedEmail)
        {
            return CreateTask(e, sequence, step, now);
        }

        if (contact is null || string.IsNullOrWhiteSpace(contact.Email))
        {
            return new StepDecision.Apply(End(e, EndReasons.ContactHasNoEmail, now, "the contact has no email address"));
        }

        if (contact.Unsubscribed)
        {
            return new StepDecision.Apply(End(e, EndReasons.Unsubscribed, now, "the contact unsubscribed"));
        }

        if (contact.Bounced)
        {
            return new StepDecision.Apply(End(e, EndReasons.Bounced, now, "the contact's address bounced"));
        }

        var inDoubt = e.Phase == StepPhase.Executing;
        if (inDoubt && !policy.TransportDeduplicatesResends)
        {
            // The worker that claimed this step stopped between claiming and recording. The email
            // may have left; this transport cannot tell, and a duplicate is worse than a gap.
            var subject = e.ThreadSubject;
            var unknown = e.WithEvent(new TimelineEvent(EventTypes.EmailOutcomeUnknown, now, e.CurrentStep,
                MessageIds.For(e.Id, e.CurrentStep, new EmailAddress(e.FromAddress).Domain), subject,
                Detail: "The worker sending this email stopped before recording the result; it was not resent to avoid a duplicate."));
            return new StepDecision.Apply(Advance(unknown, sequence, e.LeaseUntil ?? now, now));
        }

        if (!inDoubt && ledger is not null)
        {
            var (ok, next) = SendLimits.CanSendNow(ledger, sender.DailySendLimit, e.Planned.TryGetValue(e.CurrentStep, out var p) ? p : null, now);
            if (!ok)
            {
                return new StepDecision.Apply(DeferForLimit(e, sequence, sender, next, now));
            }
        }

        var claimed = e with
        {
            Phase = StepPhase.Executing,
            ClaimRevision = e.Revision,
            LeaseUntil = now + policy.Lease,
            Revision = e.Revision + 1,
        };
        return new StepDecision.SendEmail(claimed, e.CurrentStep, inDoubt);
    }

    /// <summary>The sender's limit is reached: the email waits (never dropped) until there is room, and the timeline says why.</summary>
    private static Transition DeferForLimit(Enrollment e, Sequence sequence, User sender, DateTimeOffset? next, DateTimeOffset now)
    {
        // No room within the horizon (a limit of 0, say): look again in a day.
        var retryAt = next ?? now.AddDays(1);
        var state = e.WithEvent(new TimelineEvent(EventTypes.SendDeferred, now, e.CurrentStep, Reason: ErrorCodes.SendLimitReached,
            Detail: $"{sender.Name} has reached the limit of {sender.DailySendLimit} sequence emails in 24 hours; this email waits until {retryAt:u}.")) with
        {
            DueAt = retryAt,
            Deferrals = e.Deferrals + 1,
            Revision = e.Revision + 1,
        };
        var (replanned, deltas) = Replan(state, sequence, e.CurrentStep, retryAt);
        return new Transition(replanned) { LedgerDeltas = deltas };
    }

    /// <summary>
    /// Plans the automated emails from <paramref name="fromStep"/> (due at <paramref name="fromDue"/>)
    /// anew and returns the ledger changes that move their reservations; none when no hour changed.
    /// </summary>
    public static (Enrollment State, IReadOnlyDictionary<DateTimeOffset, int> Deltas) Replan(Enrollment e, Sequence sequence, int fromStep, DateTimeOffset fromDue)
    {
        var plan = SendLimits.PlanEmails(sequence, fromStep, fromDue, TimeZones.FindOrUtc(e.TimeZone), e.DelayOverrides, e.SettingsIn(sequence));
        var old = e.Planned.Where(kv => kv.Key >= fromStep).Select(kv => kv.Value);
        var deltas = SendLimits.Combine(SendLimits.Count(old, -1), SendLimits.Count(plan.Values));
        var planned = e.Planned.Where(kv => kv.Key < fromStep).Concat(plan).ToDictionary(kv => kv.Key, kv => kv.Value);
        return (e with { Planned = planned }, deltas);
    }

    /// <summary>Releases the reservations of emails the enrollment will no longer send.</summary>
    private static (IReadOnlyDictionary<int, DateTimeOffset> Planned, IReadOnlyDictionary<DateTimeOffset, int> Deltas) ReleaseUnsent(Enrollment e)
    {
        // The current step's email is unsent unless a worker holds it (then it may be leaving).
        var unsent = e.Planned.Where(kv => kv.Key > e.CurrentStep || (kv.Key == e.CurrentStep && e.Phase != StepPhase.Executing)).ToList();
        var deltas = SendLimits.Count(unsent.Select(kv => kv.Value), -1);
        var kept = e.Planned.Where(kv => !unsent.Contains(kv)).ToDictionary(kv => kv.Key, kv => kv.Value);
        return (kept, deltas);
    }

    /// <summary>Records a sent email and moves to the next step; the delay counts from the send.</summary>
    public static Transition OnEmailSent(Enrollment claimed, Sequence sequence, OutgoingEmail email, DateTimeOffset sentAt)
    {
        var e = claimed.WithEvent(new TimelineEvent(EventTypes.EmailSent, sentAt, claimed.CurrentStep, email.MessageId, email.Subject));
        if (e.ThreadMessageId is null)
        {
            e = e with { ThreadMessageId = email.MessageId, ThreadSubject = email.Subject };
        }

        return Advance(e, sequence, sentAt, sentAt);
    }

    /// <summary>
    /// A send failed. If the email certainly did not leave, release the claim and retry the step
    /// later; if the recipient was refused, the address bounced; if it may have left, the claim
    /// stays until its lease ends and the in-doubt rule decides (null: nothing to write now).
    /// </summary>
    public static Transition? OnSendFailed(Enrollment claimed, SendFailureKind kind, string detail, TimeSpan? retryAfter, DateTimeOffset now, Sequence? sequence = null)
    {
        switch (kind)
        {
            case SendFailureKind.Unknown:
                return null;
            case SendFailureKind.RecipientRejected:
                return End(claimed, EndReasons.Bounced, now, detail) with { MarksContactBounced = true };
            case SendFailureKind.Rejected:
                // Retrying would be refused the same way: someone has to fix the sender, the content or the relay.
                return OnStepFailed(claimed, ErrorCodes.SendRejected, $"The mail system refused the message: {detail} Fix the cause and resume.", now);
            case SendFailureKind.NotSent when claimed.Deferrals + 1 >= StepPolicy.MaxSendAttempts:
                return OnStepFailed(claimed, ErrorCodes.SendFailing,
                    $"Sending failed {StepPolicy.MaxSendAttempts} times in a row; the last time: {detail} Check the mail settings (GET /api/health) and resume.", now);
            default:
                var attempt = claimed.Deferrals + 1;
                var retryAt = now + (retryAfter ?? StepPolicy.RetryDelay(attempt));
                var state = claimed.WithEvent(new TimelineEvent(EventTypes.SendDeferred, now, claimed.CurrentStep,
                    Reason: kind == SendFailureKind.Rejected ? "REJECTED" : "SEND_FAILED", Detail: $"{detail} Retrying at {retryAt:u}.")) with
                {
                    Phase = StepPhase.Waiting,
                    ClaimRevision = null,
                    LeaseUntil = null,
                    DueAt = retryAt,
                    Deferrals = attempt,
                    Revision = claimed.Revision + 1,
                };
                return sequence is null
                    ? new Transition(state)
                    : WithReplan(state, sequence, retryAt);
        }
    }

    /// <summary>A task was completed: if the enrollment waits for it, move on (the delay counts from now).</summary>
    public static Transition? OnTaskCompleted(Enrollment e, Sequence? sequence, int step, DateTimeOffset now)
    {
        if (e.IsEnded || e.Phase != StepPhase.AwaitingTask || e.CurrentStep != step || sequence is null)
        {
            return null;
        }

        var withEvent = e.WithEvent(new TimelineEvent(EventTypes.TaskCompleted, now, step, TaskId: TaskItem.IdFor(e.Id, step)));
        return Advance(withEvent, sequence, now, now);
    }

    /// <summary>
    /// Ends an enrollment (unenroll) unless it has ended. While a worker holds the step (an email
    /// may be leaving) the unenroll is recorded as a request the worker applies: before it hands the
    /// email over (which then does not leave) or right after.
    /// </summary>
    public static EndDecision OnEnd(Enrollment e, string reason, DateTimeOffset now, string? detail = null)
    {
        if (e.IsEnded || e.PendingStop is { Action: StopActions.Unenroll })
        {
            return new EndDecision.AlreadyEnded(e);
        }

        if (InFlight(e, now))
        {
            return new EndDecision.Request(Requested(e, new StopRequest(StopActions.Unenroll, reason, detail, now)));
        }

        return new EndDecision.Apply(End(e, reason, now, detail));
    }

    /// <summary>A worker holds the current step and its lease has not run out.</summary>
    private static bool InFlight(Enrollment e, DateTimeOffset now) =>
        e.Phase == StepPhase.Executing && e.LeaseUntil is { } lease && lease > now;

    private static Transition Requested(Enrollment e, StopRequest request) =>
        new(e with { PendingStop = request, Revision = e.Revision + 1 });

    /// <summary>
    /// The fencing check, right before a claimed email is handed to the transport: if an unenroll or
    /// pause was accepted since the claim, release the claim and apply it — the email is not sent.
    /// Null: send (other changes, such as a timeline note, do not stop it).
    /// </summary>
    public static Transition? OnFence(Enrollment current, Enrollment claimed, DateTimeOffset now) =>
        current.PendingStop is { } stop && current.Phase == StepPhase.Executing && current.ClaimRevision == claimed.ClaimRevision
            ? ApplyStop(current with { Phase = StepPhase.Waiting, ClaimRevision = null, LeaseUntil = null }, stop, now,
                $"Step {current.CurrentStep}'s email was not sent: the {stop.Action} came first.")
            : null;

    /// <summary>A stop request whose step is no longer in flight: clear it and apply it.</summary>
    private static Transition ApplyStop(Enrollment e, StopRequest stop, DateTimeOffset now, string? note = null)
    {
        var cleared = e with { PendingStop = null };
        var detail = note is null ? stop.Detail : $"{stop.Detail} {note}".Trim();
        return stop.Action switch
        {
            StopActions.Pause when e.Status == EnrollmentStatus.Paused => new Transition(cleared with { Revision = e.Revision + 1 }),
            StopActions.Pause => Pause(cleared, now, note),
            _ => End(cleared, stop.Reason ?? EndReasons.Manual, now, detail),
        };
    }

    /// <summary>
    /// A step that can never succeed as it stands (a template that fails or hits a bound): no
    /// retry; the enrollment is paused with the code on its timeline, and resuming (after the rep
    /// fixes the sequence) runs the step again.
    /// </summary>
    public static Transition OnStepFailed(Enrollment e, string code, string detail, DateTimeOffset now) =>
        new(e.WithEvent(new TimelineEvent(EventTypes.StepFailed, now, e.CurrentStep, Reason: code, Detail: detail)) with
        {
            Deferrals = 0,
            Status = EnrollmentStatus.Paused,
            PausedAt = now,
            Phase = StepPhase.Waiting,
            DueAt = e.DueAt is { } due && due < now ? due : now,
            ClaimRevision = null,
            LeaseUntil = null,
            Revision = e.Revision + 1,
        });

    /// <summary>Pauses an active enrollment; the rest of the current delay applies on resume. While a step is in flight, a request (see <see cref="OnEnd"/>).</summary>
    public static EndDecision OnPause(Enrollment e, DateTimeOffset now)
    {
        if (e.IsEnded || e.Status == EnrollmentStatus.Paused || e.PendingStop is not null)
        {
            return new EndDecision.AlreadyEnded(e);
        }

        return InFlight(e, now)
            ? new EndDecision.Request(Requested(e, new StopRequest(StopActions.Pause, null, null, now)))
            : new EndDecision.Apply(Pause(e, now, null));
    }

    private static Transition Pause(Enrollment e, DateTimeOffset now, string? detail) =>
        new(e.WithEvent(new TimelineEvent(EventTypes.Paused, now, e.CurrentStep, Detail: detail)) with
        {
            Status = EnrollmentStatus.Paused,
            PausedAt = now,
            Revision = e.Revision + 1,
        });

    /// <summary>Resumes a paused enrollment: a waiting step is due after the part of its delay that remained.</summary>
    public static Transition? OnResume(Enrollment e, Sequence? sequence, DateTimeOffset now)
    {
        if (e.PendingStop is { Action: StopActions.Pause })
        {
            // The pause waited for a step in flight and has not applied: the resume, accepted after it, cancels it.
            return new Transition(e with { PendingStop = null, Revision = e.Revision + 1 });
        }

        if (e.Status != EnrollmentStatus.Paused)
        {
            return null;
        }

        var resumed = e.WithEvent(new TimelineEvent(EventTypes.Resumed, now, e.CurrentStep)) with
        {
            Status = EnrollmentStatus.Active,
            PausedAt = null,
            Revision = e.Revision + 1,
        };

        if (e.Phase is StepPhase.Waiting or StepPhase.Executing)
        {
            var remaining = e.DueAt is { } due && e.PausedAt is { } pausedAt && due > pausedAt ? due - pausedAt : TimeSpan.Zero;
            var newDue = now + remaining;
            if (sequence is not null)
            {
                newDue = StepClock.Adjust(newDue, TimeZones.FindOrUtc(e.TimeZone), e.LastStepAt is null ? sequence.Settings : e.SettingsIn(sequence), isFirstStep: e.LastStepAt is null);
            }

            resumed = resumed with { Phase = StepPhase.Waiting, DueAt = newDue, ClaimRevision = null, LeaseUntil = null };
            return sequence is null
                ? new Transition(resumed)
                : WithReplan(resumed, sequence, newDue);
        }

        return new Transition(resumed);
    }

    private static StepDecision CreateTask(Enrollment e, Sequence sequence, SequenceStep step, DateTimeOffset now)
    {
        var taskOverride = e.TaskOverrides.GetValueOrDefault(e.CurrentStep);
        var continueWithout = taskOverride?.ContinueWithoutCompleting ?? step.ContinueWithoutCompleting;
        var task = new TaskItem(
            TaskItem.IdFor(e.Id, e.CurrentStep),
            e.SenderUserId,
            e.Id,
            e.SequenceId,
            e.ContactId,
            e.CurrentStep,
            step.Type,
            taskOverride?.Title ?? step.TaskTitle ?? DefaultTaskTitle(step.Type),
            e.Personalised(e.CurrentStep, step).Subject,
            e.Personalised(e.CurrentStep, step).Body,
            continueWithout,
            TaskState.Open,
            now,
            null);

        var withEvent = e.WithEvent(new TimelineEvent(EventTypes.TaskCreated, now, e.CurrentStep, TaskId: task.Id, Subject: task.Title));
        var transition = continueWithout
            ? Advance(withEvent, sequence, now, now)
            : new Transition(withEvent with
            {
                Phase = StepPhase.AwaitingTask,
                DueAt = null,
                LastStepAt = now,
                Revision = e.Revision + 1,
            });
        return new StepDecision.CreateTask(task, transition);
    }

    /// <summary>Default titles (Liquid: rendered for the task list) per task-creating step type.</summary>
    public static string DefaultTaskTitle(StepType type) => type switch
    {
        StepType.ManualEmail => "Send email to {{ contact.fullName | default: contact.email }}",
        StepType.Call => "Call {{ contact.fullName | default: contact.email }}",
        StepType.LinkedIn => "Connect on LinkedIn with {{ contact.fullName | default: contact.email }}",
        _ => "Follow up with {{ contact.fullName | default: contact.email }}",
    };

    /// <summary>Moves to the step after the current one, due its delay after <paramref name="ranAt"/>; or finishes.</summary>
    public static Transition Advance(Enrollment e, Sequence sequence, DateTimeOffset ranAt, DateTimeOffset now)
    {
        var next = e.CurrentStep + 1;
        var step = sequence.StepAt(next);
        if (step is null)
        {
            return Finish(e, now);
        }

        var zone = TimeZones.FindOrUtc(e.TimeZone);
        var due = StepClock.DueAt(ranAt, e.DelayOf(next, step), zone, e.SettingsIn(sequence), isFirstStep: false);
        var state = e with
        {
            CurrentStep = next,
            Phase = StepPhase.Waiting,
            DueAt = due,
            LastStepAt = ranAt,
            ClaimRevision = null,
            LeaseUntil = null,
            Deferrals = 0,
            Revision = e.Revision + 1,
        };

        var (replanned, deltas) = Replan(state, sequence, next, due);
        if (e.Status == EnrollmentStatus.Paused)
        {
            // Moving on while paused (its task was completed): the whole delay remains for resume.
            return new Transition(replanned with { PausedAt = ranAt }) { LedgerDeltas = deltas };
        }

        return new Transition(replanned) { LedgerDeltas = deltas };
    }

    /// <summary>A waiting state due at <paramref name="due"/>, with its emails planned anew from there.</summary>
    private static Transition WithReplan(Enrollment waiting, Sequence sequence, DateTimeOffset due)
    {
        var (replanned, deltas) = Replan(waiting, sequence, waiting.CurrentStep, due);
        return new Transition(replanned) { LedgerDeltas = deltas };
    }

    private static Transition Finish(Enrollment e, DateTimeOffset now)
    {
        var (planned, deltas) = ReleaseUnsent(e);
        return new Transition(e.WithEvent(new TimelineEvent(EventTypes.Finished, now)) with
        {
            Planned = planned,
            Status = EnrollmentStatus.Finished,
            Phase = StepPhase.Ended,
            EndReason = EndReasons.Finished,
            EndedAt = now,
            DueAt = null,
            ClaimRevision = null,
            LeaseUntil = null,
            PendingStop = null,
            Revision = e.Revision + 1,
        })
        { LedgerDeltas = deltas };
    }

    private static Transition End(Enrollment e, string reason, DateTimeOffset now, string? detail)
    {
        var (planned, deltas) = ReleaseUnsent(e);
        return new Transition(e.WithEvent(new TimelineEvent(EventTypes.Unenrolled, now, e.CurrentStep, Reason: reason, Detail: detail)) with
        {
            Planned = planned,
            Status = EnrollmentStatus.Unenrolled,
            Phase = StepPhase.Ended,
            EndReason = reason,
            EndedAt = now,
            DueAt = null,
            ClaimRevision = null,
            LeaseUntil = null,
            PendingStop = null,
            Revision = e.Revision + 1,
        })
        {
            CancelTaskId = e.Phase == StepPhase.AwaitingTask ? TaskItem.IdFor(e.Id, e.CurrentStep) : null,
            LedgerDeltas = deltas,
        };
    }
}
