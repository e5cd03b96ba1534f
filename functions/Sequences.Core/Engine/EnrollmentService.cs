using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sequences.Core.Decisions;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Core.Engine;

/// <summary>Enrolls, reads and ends enrollments.</summary>
public sealed class EnrollmentService(
    IEnrollmentStore enrollments,
    ISequenceStore sequences,
    IContactStore contacts,
    IUserStore users,
    IWorkScheduler scheduler,
    TransitionWriter writer,
    IIdGenerator ids,
    IOptions<SequencesOptions> options,
    TimeProvider time,
    ILogger<EnrollmentService> logger)
{
    /// <summary>A pointer to an enrollment record that was never written is stale after this long.</summary>
    private static readonly TimeSpan PointerGrace = TimeSpan.FromSeconds(30);

    public async Task<Result<Enrollment>> EnrollAsync(string sequenceId, EnrollCommand? command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (EnrollmentRules.ValidateRequest(command, now) is { } invalid)
        {
            return invalid;
        }

        var c = command!;
        var sequenceTask = sequences.GetAsync(sequenceId, cancellationToken);
        var contactTask = contacts.GetAsync(c.ContactId!, cancellationToken);
        var senderTask = users.GetAsync(c.SenderUserId!, cancellationToken);
        var activeTask = contacts.GetActiveEnrollmentAsync(c.ContactId!, cancellationToken);

        if (await sequenceTask is not { } sequence)
        {
            return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
        }

        if (await contactTask is not { } contact)
        {
            return DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", c.ContactId!);
        }

        if (await senderTask is not { } sender)
        {
            return new DomainError(ErrorKind.NotFound, ErrorCodes.SenderNotFound, "Sender not found", $"There is no user with id '{c.SenderUserId}'.");
        }

        var active = await activeTask;
        var (activeSequenceId, activeSequenceName) = await ActiveSequenceAsync(c.ContactId!, active, now, cancellationToken);

        var decided = EnrollmentRules.Enroll(ids.NewId(), c, sequence.Value, contact.Value, sender.Value, activeSequenceId, activeSequenceName, now);
        if (decided.Error is { } refused)
        {
            return refused;
        }

        var (enrollment, first) = decided.Value!;
        var pointer = new ActiveEnrollmentPointer(enrollment.Id, enrollment.SequenceId, now);
        if (!await contacts.TryClaimActiveEnrollmentAsync(contact.Value.Id, pointer, active?.ETag, cancellationToken))
        {
            // Another request enrolled the contact between our read and our write.
            var winner = await contacts.GetActiveEnrollmentAsync(contact.Value.Id, cancellationToken);
            var winnerName = winner is null ? null : (await sequences.GetAsync(winner.Value.SequenceId, cancellationToken))?.Value.Name;
            return EnrollmentRules.AlreadyEnrolled(contact.Value.Id, winner?.Value.SequenceId ?? "unknown", winnerName);
        }

        // Timer before record (see Transition): a message that finds no record yet waits for it.
        await scheduler.ScheduleAsync(WorkMessage.ForStep(enrollment.SequenceId, enrollment.Id, first.Step, first.Revision, first.DueAt), first.DueAt, cancellationToken);
        await enrollments.CreateAsync(enrollment, cancellationToken);
        logger.Enrolled(contact.Value.Id, enrollment.Id, enrollment.SequenceId, first.DueAt);
        return enrollment;
    }

    /// <summary>The sequence the contact is active in, or nulls; a pointer to an ended or never-written enrollment does not count.</summary>
    private async Task<(string? Id, string? Name)> ActiveSequenceAsync(
        string contactId, Versioned<ActiveEnrollmentPointer>? active, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (active is null)
        {
            return (null, null);
        }

        var p = active.Value;
        var existing = await enrollments.GetAsync(p.SequenceId, p.EnrollmentId, cancellationToken);
        if (existing is null)
        {
            if (now - p.ClaimedAt < PointerGrace)
            {
                // Being created right now by another request.
                return (p.SequenceId, (await sequences.GetAsync(p.SequenceId, cancellationToken))?.Value.Name);
            }

            logger.StalePointer(contactId, p.EnrollmentId);
            return (null, null);
        }

        if (existing.Value.IsEnded)
        {
            return (null, null);
        }

        return (p.SequenceId, (await sequences.GetAsync(p.SequenceId, cancellationToken))?.Value.Name);
    }

    public async Task<Enrollment?> GetAsync(string enrollmentId, CancellationToken cancellationToken) =>
        (await enrollments.GetAsync(enrollmentId, cancellationToken))?.Value;

    /// <summary>
    /// Ends an enrollment. If a worker is sending the current step's email right now, waits for
    /// it: once this returns, no further email of the enrollment leaves.
    /// </summary>
    public Task<Result<Enrollment>> UnenrollAsync(string enrollmentId, string reason, string? detail, CancellationToken cancellationToken) =>
        ChangeAsync(enrollmentId, (e, now) => EnrollmentDecisions.OnEnd(e, reason, now, detail), cancellationToken);

    public Task<Result<Enrollment>> PauseAsync(string enrollmentId, CancellationToken cancellationToken) =>
        ChangeAsync(enrollmentId, EnrollmentDecisions.OnPause, cancellationToken);

    public async Task<Result<Enrollment>> ResumeAsync(string enrollmentId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await enrollments.GetAsync(enrollmentId, cancellationToken);
            if (current is null)
            {
                return DomainError.NotFound(ErrorCodes.EnrollmentNotFound, "Enrollment", enrollmentId);
            }

            var sequence = await sequences.GetAsync(current.Value.SequenceId, cancellationToken);
            var transition = EnrollmentDecisions.OnResume(current.Value, sequence?.Value, time.GetUtcNow());
            if (transition is null)
            {
                return current.Value;
            }

            try
            {
                await writer.ApplyAsync(transition, current.ETag, cancellationToken);
                return transition.State;
            }
            catch (ConcurrencyException) when (attempt < 10)
            {
            }
        }
    }

    private async Task<Result<Enrollment>> ChangeAsync(
        string enrollmentId, Func<Enrollment, DateTimeOffset, EndDecision> decide, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.Value.EndWaitLimit;
        for (var attempt = 1; ; attempt++)
        {
            var current = await enrollments.GetAsync(enrollmentId, cancellationToken);
            if (current is null)
            {
                return DomainError.NotFound(ErrorCodes.EnrollmentNotFound, "Enrollment", enrollmentId);
            }

            var now = time.GetUtcNow();
            switch (decide(current.Value, now))
            {
                case EndDecision.AlreadyEnded done:
                    return done.State;

                case EndDecision.WaitForStep wait when now < deadline:
                    var pause = wait.Until - now;
                    await Task.Delay(pause < TimeSpan.FromMilliseconds(100) ? pause : TimeSpan.FromMilliseconds(100), time, cancellationToken);
                    continue;

                case EndDecision.WaitForStep:
                    throw new TimeoutException($"Enrollment {enrollmentId} is still sending after {options.Value.EndWaitLimit}.");

                case EndDecision.Apply apply:
                    try
                    {
                        await writer.ApplyAsync(apply.Transition, current.ETag, cancellationToken);
                        return apply.Transition.State;
                    }
                    catch (ConcurrencyException) when (attempt < 20)
                    {
                        continue;
                    }
            }
        }
    }

    public IAsyncEnumerable<Enrollment> ListBySequenceAsync(string sequenceId, EnrollmentStatus? status, CancellationToken cancellationToken) =>
        enrollments.ListBySequenceAsync(sequenceId, status, cancellationToken);

    public async Task<IReadOnlyList<Enrollment>> ListByContactAsync(string contactId, CancellationToken cancellationToken)
    {
        var refs = await contacts.ListEnrollmentsAsync(contactId, cancellationToken);
        var loaded = await Task.WhenAll(refs.Select(r => enrollments.GetAsync(r.SequenceId, r.EnrollmentId, cancellationToken)));
        return loaded.Where(v => v is not null).Select(v => v!.Value).OrderBy(e => e.EnrolledAt).ToList();
    }
}
