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
/// Runs a due step: load, decide (<see cref="EnrollmentDecisions"/>), apply. Safe under
/// at-least-once delivery and competing workers: the claim is an ETag-conditional write, so of two
/// workers holding copies of one message exactly one sends; a crash after the claim leaves a
/// lease that the next delivery resolves.
/// </summary>
public sealed class StepRunner(
    IEnrollmentStore enrollments,
    EnrollmentCache cache,
    ReferenceCache references,
    ITaskStore tasks,
    IWorkScheduler scheduler,
    IEmailTransport transport,
    TransitionWriter writer,
    SigningKeys keys,
    IOptions<SequencesOptions> options,
    TimeProvider time,
    ILogger<StepRunner> logger)
{
    private const int MaxAttempts = 8;

    public async Task HandleAsync(WorkMessage message, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.StartStep(message);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await RunOnceAsync(message, useCache: attempt == 1, cancellationToken);
                activity?.SetTag(Telemetry.Outcome, outcome);
                Telemetry.StepsExecuted.Add(1, new KeyValuePair<string, object?>(Telemetry.Outcome, outcome));
                return;
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                logger.Conflict(message.EnrollmentId, message.SequenceId, attempt);
            }
        }
    }

    /// <summary>Runs the step once; returns what happened (for telemetry).</summary>
    private async Task<string> RunOnceAsync(WorkMessage message, bool useCache, CancellationToken cancellationToken)
    {
        // Cached state may only lead to a conditional write (see EnrollmentCache).
        var current = useCache ? cache.Recent(message.EnrollmentId) : null;
        var decision = current is null ? null : EnrollmentDecisions.Guard(current.Value, message, time.GetUtcNow());
        if (current is null || decision is StepDecision.Ignore or StepDecision.Defer)
        {
            current = await enrollments.GetAsync(message.SequenceId, message.EnrollmentId, cancellationToken);
            decision = EnrollmentDecisions.Guard(current?.Value, message, time.GetUtcNow());
        }

        Sequence? sequence = null;
        Contact? contact = null;
        User? sender = null;
        if (decision is null)
        {
            var e = current!.Value;
            var seqTask = references.SequenceAsync(e.SequenceId, cancellationToken);
            var contactTask = references.ContactAsync(e.ContactId, cancellationToken);
            var senderTask = references.SenderAsync(e.SenderUserId, cancellationToken);
            sequence = await seqTask;
            contact = await contactTask;
            var snapshot = await senderTask;
            sender = snapshot?.User.Value;
            decision = EnrollmentDecisions.OnStepDue(e, sequence, contact, sender, message, time.GetUtcNow(), Policy, snapshot?.Ledger);
        }

        switch (decision)
        {
            case StepDecision.Ignore ignore:
                logger.StepIgnored(message.EnrollmentId, message.SequenceId, message.Step, message.Revision, ignore.Reason);
                return "ignored";

            case StepDecision.Defer defer:
                logger.StepDeferred(message.EnrollmentId, message.SequenceId, message.Step, defer.Until, defer.Reason);
                await scheduler.ScheduleAsync(message, defer.Until, cancellationToken);
                return "deferred";

            case StepDecision.Apply apply:
                await writer.ApplyAsync(apply.Transition, current!.ETag, cancellationToken);
                if (apply.Transition.State.Events.LastOrDefault() is { Type: EventTypes.SendDeferred, Reason: ErrorCodes.SendLimitReached })
                {
                    Telemetry.SendLimitDeferrals.Add(1);
                    return "sendLimitDeferred";
                }

                return apply.Transition.State.IsEnded ? "ended" : "applied";

            case StepDecision.CreateTask create:
                Lateness(message);
                var task = create.Task with { Title = TemplateEngine.Render(create.Task.Title, new TokenModel(contact, sender, current!.Value.Tokens), html: false) };
                await tasks.CreateIfAbsentAsync(task, cancellationToken);
                await writer.ApplyAsync(create.Transition, current.ETag, cancellationToken);
                logger.TaskCreated(task.Id, task.EnrollmentId, task.SequenceId, task.Step);
                return "taskCreated";

            case StepDecision.SendEmail send:
                Lateness(message);
                return await SendAsync(message, send, current!.ETag, sequence!, contact!, sender!, cancellationToken);

            default:
                return "unknown";
        }
    }

    private void Lateness(WorkMessage message) =>
        Telemetry.StepLateness.Record(Math.Max(0, (time.GetUtcNow() - message.DueAt).TotalSeconds));

    private StepPolicy Policy => new(options.Value.StepLease, transport.DeduplicatesResends);

    private async Task<string> SendAsync(
        WorkMessage message, StepDecision.SendEmail send, string etag, Sequence sequence, Contact contact, User sender, CancellationToken cancellationToken)
    {
        // The pre-send record: from here this worker owns the step until the lease ends.
        var claimedETag = await writer.WriteAsync(send.Claimed, etag, cancellationToken);

        // Once claimed, finish the step even if the host is stopping: abandoning it mid-send would
        // turn a certain outcome into a doubtful one. Transports bound their own time.
        var ct = CancellationToken.None;
        var baseUrl = options.Value.PublicBaseUrl ?? new Uri("http://127.0.0.1:7071/");
        var key = await keys.UnsubscribeKeyAsync(ct);
        var email = EmailComposer.Compose(send.Claimed, sequence, send.StepNumber, contact, sender, baseUrl, key, time.GetUtcNow());

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
                await scheduler.ScheduleAsync(message, send.Claimed.LeaseUntil ?? time.GetUtcNow(), ct);
                return "sendInDoubt";
            }

            await writer.ApplyAsync(transition, claimedETag, ct);
            return "sendFailed";
        }

        logger.EmailSent(send.Claimed.Id, send.Claimed.SequenceId, send.StepNumber, email.MessageId);
        Telemetry.EmailsSent.Add(1);
        await RecordSentAsync(send, sequence, email, claimedETag, ct);
        return "emailSent";
    }

    /// <summary>
    /// The post-send record. The email has left, so this must land: on a conflict, re-read and
    /// record it on whatever the state is now (only a worker that took over an expired lease can
    /// have changed it).
    /// </summary>
    private async Task RecordSentAsync(StepDecision.SendEmail send, Sequence sequence, OutgoingEmail email, string etag, CancellationToken cancellationToken)
    {
        var sentAt = time.GetUtcNow();
        var state = send.Claimed;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (state.Phase == StepPhase.Executing && state.ClaimRevision == send.Claimed.ClaimRevision && state.CurrentStep == send.StepNumber)
                {
                    await writer.ApplyAsync(EnrollmentDecisions.OnEmailSent(state, sequence, email, sentAt), etag, cancellationToken);
                }
                else
                {
                    logger.SentAfterTakeover(state.Id, state.SequenceId, send.StepNumber);
                    var noted = state.WithEvent(new TimelineEvent(EventTypes.EmailSent, sentAt, send.StepNumber, email.MessageId, email.Subject,
                        Detail: "Recorded late: the send outlived its lease.")) with { Revision = state.Revision + 1 };
                    await writer.ApplyAsync(new Transition(noted), etag, cancellationToken);
                }

                return;
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
