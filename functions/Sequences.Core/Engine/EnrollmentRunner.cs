using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sequences.Core.Decisions;
using Sequences.Core.Email;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Rendering;

namespace Sequences.Core.Engine;

/// <summary>
/// What an enrollment's workflow does after a run: sleep until <see cref="WakeAt"/> (or until it
/// is woken), sleep until woken (no time: paused, waiting for a task), or finish.
/// </summary>
public sealed record NextRun(DateTimeOffset? WakeAt, bool Ended)
{
    public static readonly NextRun Done = new(null, true);
    public static readonly NextRun UntilWoken = new(null, false);

    public static NextRun At(DateTimeOffset wakeAt) => new(wakeAt, false);
}

/// <summary>
/// Runs whatever is due for one enrollment and says when to look again: load, decide
/// (<see cref="EnrollmentDecisions"/>), apply, and decide again on the state just written, until
/// nothing is due. The enrollment's workflow calls this (as an activity) and does nothing else, so
/// correctness never depends on the workflow: a run that is repeated, early or concurrent with
/// another is safe because every write is ETag-conditional and the email claim is a conditional
/// write too: of two runs that decide to send, exactly one claims the step and sends.
/// </summary>
public sealed class EnrollmentRunner(
    IEnrollmentStore enrollments,
    EnrollmentCache cache,
    ReferenceCache references,
    ITaskStore tasks,
    IEmailTransport transport,
    TransitionWriter writer,
    SigningKeys keys,
    IOptions<SequencesOptions> options,
    TimeProvider time,
    ILogger<EnrollmentRunner> logger)
{
    private const int MaxAttempts = 8;

    /// <summary>
    /// A run stops taking further steps after this long (and asks to be woken at once), so one
    /// activity stays well under a minute: steps with no delay between them run in one activity.
    /// </summary>
    private static readonly TimeSpan RunBudget = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Runs what is due for the enrollment on behalf of the workflow <paramref name="workflowId"/>;
    /// a workflow the reconciler has replaced (the record names another) is told it is done.
    /// </summary>
    public async Task<NextRun> RunAsync(string enrollmentId, string workflowId, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        Versioned<Enrollment>? written = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await StepAsync(enrollmentId, workflowId, written, useCache: attempt == 1, cancellationToken);
                if (outcome.Next is { } next)
                {
                    return next;
                }

                // A step was applied: decide again on the state just written (no read needed).
                written = outcome.State;
                attempt = 0;
                if (time.GetUtcNow() - started > RunBudget)
                {
                    return NextRun.At(time.GetUtcNow());
                }
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                written = null;
                logger.Conflict(enrollmentId, Ids.TrySequenceOf(enrollmentId, out var sequenceId) ? sequenceId : "", attempt);
            }
        }
    }

    /// <summary>Decides once and applies; returns where the workflow stands, or the state written when a step was applied.</summary>
    private async Task<(NextRun? Next, Versioned<Enrollment>? State)> StepAsync(
        string enrollmentId, string workflowId, Versioned<Enrollment>? written, bool useCache, CancellationToken cancellationToken)
    {
        // The state this run just wrote is trusted for every decision: whoever changes it next wakes
        // the workflow. Cached state may only lead to a conditional write (see EnrollmentCache).
        var now = time.GetUtcNow();
        var current = written ?? (useCache ? cache.Recent(enrollmentId) : null);
        var decision = current is null ? null : EnrollmentDecisions.Guard(current.Value, now);
        if (written is null && (current is null || decision is not null || current.Value.Workflow != workflowId))
        {
            current = await enrollments.GetAsync(enrollmentId, cancellationToken);
            decision = EnrollmentDecisions.Guard(current?.Value, now);
        }

        if (current?.Value is { } replaced && replaced.Workflow != workflowId)
        {
            logger.WorkflowSuperseded(enrollmentId, workflowId, replaced.Workflow);
            return (NextRun.Done, null);
        }

        if (decision is null)
        {
            var e = current!.Value;
            using var activity = Telemetry.StartStep(e);
            var outcome = await DecideAndApplyAsync(current, now, cancellationToken);
            activity?.SetTag(Telemetry.Outcome, outcome.Name);
            Telemetry.StepsExecuted.Add(1, new KeyValuePair<string, object?>(Telemetry.Outcome, outcome.Name));
            return outcome.Next is { } stop ? (stop, null) : (null, outcome.State);
        }

        return (Wait(enrollmentId, current?.Value, decision), null);
    }

    private NextRun Wait(string enrollmentId, Enrollment? e, StepDecision decision)
    {
        switch (decision)
        {
            case StepDecision.Defer defer:
                logger.StepDeferred(enrollmentId, e?.SequenceId ?? "", e?.CurrentStep ?? 0, defer.Until, defer.Reason);
                return NextRun.At(defer.Until);
            case StepDecision.Idle idle:
                logger.StepIdle(enrollmentId, e?.SequenceId ?? "", e?.CurrentStep ?? 0, idle.Reason);
                return NextRun.UntilWoken;
            default:
                logger.WorkflowDone(enrollmentId, e?.SequenceId ?? "", ((StepDecision.Done)decision).Reason);
                return NextRun.Done;
        }
    }

    private sealed record Outcome(string Name, NextRun? Next, Versioned<Enrollment>? State);

    private async Task<Outcome> DecideAndApplyAsync(Versioned<Enrollment> current, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var e = current.Value;
        var seqTask = references.SequenceAsync(e.SequenceId, cancellationToken);
        var contactTask = references.ContactAsync(e.ContactId, cancellationToken);
        var senderTask = references.SenderAsync(e.SenderUserId, cancellationToken);
        var sequence = await seqTask;
        var contact = await contactTask;
        var snapshot = await senderTask;
        var sender = snapshot?.User.Value;
        var decision = EnrollmentDecisions.OnStepDue(e, sequence, contact, sender, now, Policy, snapshot?.Ledger);

        switch (decision)
        {
            case StepDecision.Apply apply:
                var etag = await writer.ApplyAsync(apply.Transition, current, cancellationToken);
                var name = apply.Transition.State.Events.LastOrDefault() is { Type: EventTypes.SendDeferred, Reason: ErrorCodes.SendLimitReached }
                    ? "sendLimitDeferred"
                    : apply.Transition.State.IsEnded ? "ended" : "applied";
                if (name == "sendLimitDeferred")
                {
                    Telemetry.SendLimitDeferrals.Add(1);
                }

                return new Outcome(name, null, new Versioned<Enrollment>(apply.Transition.State, etag));

            case StepDecision.CreateTask create:
                Lateness(e);
                string title;
                try
                {
                    title = TemplateEngine.Render(create.Task.Title, new TokenModel(contact, sender, e.Tokens), html: false, TemplateLimits.MaxLineLength);
                }
                catch (TemplateException failure)
                {
                    return await StepFailedAsync(current, failure, cancellationToken);
                }

                var task = create.Task with { Title = title };
                await tasks.CreateIfAbsentAsync(task, cancellationToken);
                var taskETag = await writer.ApplyAsync(create.Transition, current, cancellationToken);
                logger.TaskCreated(task.Id, task.EnrollmentId, task.SequenceId, task.Step);
                return new Outcome("taskCreated", null, new Versioned<Enrollment>(create.Transition.State, taskETag));

            case StepDecision.SendEmail send:
                Lateness(e);
                return await SendAsync(send, current, sequence!, contact!, sender!, cancellationToken);

            default:
                // The guard inside OnStepDue agrees with the one already passed; nothing else waits here.
                return new Outcome("waiting", Wait(e.Id, e, decision), null);
        }
    }

    private void Lateness(Enrollment e) =>
        Telemetry.StepLateness.Record(Math.Max(0, (time.GetUtcNow() - (e.DueAt ?? time.GetUtcNow())).TotalSeconds));

    private StepPolicy Policy => new(options.Value.StepLease, transport.DeduplicatesResends);

    /// <summary>The step cannot be done as it stands: pause with the code instead of retrying (see <see cref="EnrollmentDecisions.OnStepFailed"/>).</summary>
    private async Task<Outcome> StepFailedAsync(Versioned<Enrollment> current, TemplateException failure, CancellationToken cancellationToken)
    {
        var e = current.Value;
        logger.StepFailed(e.Id, e.SequenceId, e.CurrentStep, failure.Code, failure.Message);
        var transition = EnrollmentDecisions.OnStepFailed(e, failure.Code, failure.Message, time.GetUtcNow());
        var etag = await writer.ApplyAsync(transition, current, cancellationToken);
        return new Outcome("stepFailed", null, new Versioned<Enrollment>(transition.State, etag));
    }

    private async Task<Outcome> SendAsync(
        StepDecision.SendEmail send, Versioned<Enrollment> current, Sequence sequence, Contact contact, User sender, CancellationToken cancellationToken)
    {
        // Rendered before the claim: a template that cannot be rendered fails the step without a send in doubt.
        var baseUrl = options.Value.PublicBaseUrl ?? new Uri("http://127.0.0.1:7071/");
        var key = await keys.UnsubscribeKeyAsync(cancellationToken);
        OutgoingEmail email;
        try
        {
            email = EmailComposer.Compose(send.Claimed, sequence, send.StepNumber, contact, sender, baseUrl, key, time.GetUtcNow());
        }
        catch (TemplateException failure)
        {
            return await StepFailedAsync(current, failure, cancellationToken);
        }

        // The pre-send record: from here this run owns the step until the lease ends.
        var claimedETag = await writer.WriteAsync(send.Claimed, current, cancellationToken);

        // The fence: an unenroll or pause accepted since the claim (202 to its caller) stops the
        // email here, before the transport has it.
        if (await enrollments.GetAsync(send.Claimed.SequenceId, send.Claimed.Id, cancellationToken) is { } fence
            && fence.ETag != claimedETag
            && EnrollmentDecisions.OnFence(fence.Value, send.Claimed, time.GetUtcNow()) is { } stop)
        {
            logger.SendFenced(send.Claimed.Id, send.Claimed.SequenceId, send.StepNumber, fence.Value.PendingStop!.Action);
            var stoppedETag = await writer.ApplyAsync(stop, fence, cancellationToken);
            return new Outcome("sendFenced", null, new Versioned<Enrollment>(stop.State, stoppedETag));
        }

        // Once claimed, finish the step even if the host is stopping: abandoning it mid-send would
        // turn a certain outcome into a doubtful one. Transports bound their own time.
        var ct = CancellationToken.None;

        try
        {
            await transport.SendAsync(email, ct);
        }
        catch (EmailSendException failure)
        {
            logger.EmailFailed(send.Claimed.Id, send.Claimed.SequenceId, send.StepNumber, failure.Kind.ToString(), failure.Message);
            var transition = EnrollmentDecisions.OnSendFailed(send.Claimed, failure.Kind, failure.Message, failure.RetryAfter, time.GetUtcNow(), sequence);
            if (transition is null)
            {
                // It may have left: keep the claim; when the lease ends the in-doubt rule decides.
                return new Outcome("sendInDoubt", NextRun.At(send.Claimed.LeaseUntil ?? time.GetUtcNow()), null);
            }

            var failedETag = await writer.ApplyAsync(transition, new Versioned<Enrollment>(send.Claimed, claimedETag), ct);
            return new Outcome("sendFailed", null, new Versioned<Enrollment>(transition.State, failedETag));
        }

        logger.EmailSent(send.Claimed.Id, send.Claimed.SequenceId, send.StepNumber, email.MessageId);
        Telemetry.EmailsSent.Add(1);
        return new Outcome("emailSent", null, await RecordSentAsync(send, sequence, email, claimedETag, ct));
    }

    /// <summary>
    /// The post-send record. The email has left, so this must land: on a conflict, re-read and
    /// record it on whatever the state is now (only a run that took over an expired lease, or an
    /// unenroll that waited for the lease to end, can have changed it).
    /// </summary>
    private async Task<Versioned<Enrollment>> RecordSentAsync(StepDecision.SendEmail send, Sequence sequence, OutgoingEmail email, string etag, CancellationToken cancellationToken)
    {
        var sentAt = time.GetUtcNow();
        var state = send.Claimed;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Transition transition;
                if (state.Phase == StepPhase.Executing && state.ClaimRevision == send.Claimed.ClaimRevision && state.CurrentStep == send.StepNumber)
                {
                    transition = EnrollmentDecisions.OnEmailSent(state, sequence, email, sentAt);
                }
                else
                {
                    logger.SentAfterTakeover(state.Id, state.SequenceId, send.StepNumber);
                    var noted = state.WithEvent(new TimelineEvent(EventTypes.EmailSent, sentAt, send.StepNumber, email.MessageId, email.Subject,
                        Detail: "Recorded late: the send outlived its lease.")) with { Revision = state.Revision + 1 };
                    transition = new Transition(noted);
                }

                return new Versioned<Enrollment>(transition.State, await writer.ApplyAsync(transition, new Versioned<Enrollment>(state, etag), cancellationToken));
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                var reread = await enrollments.GetAsync(state.SequenceId, state.Id, cancellationToken)
                    ?? throw new InvalidOperationException($"Enrollment {state.Id} disappeared after its email was sent.");
                state = reread.Value;
                etag = reread.ETag;
            }
        }
    }
}
