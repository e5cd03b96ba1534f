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
    ReferenceCache references,
    IContactStore contacts,
    IUserStore users,
    IWorkScheduler scheduler,
    TransitionWriter writer,
    EnrollmentCache cache,
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
        // The contact and the sender are read fresh: suppression and deactivation must hold at once.
        var sequenceTask = references.SequenceAsync(sequenceId, cancellationToken);
        var contactTask = contacts.GetAsync(c.ContactId!, cancellationToken);
        var senderTask = users.GetAsync(c.SenderUserId!, cancellationToken);

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

        var decided = EnrollmentRules.Enroll(Ids.Enrollment(sequence.Id, ids.NewId()), c, sequence, contact.Value, sender.Value, null, null, now);
        if (decided.Error is { } refused)
        {
            return refused;
        }

        var (enrollment, first) = decided.Value!;
        references.Prime(contact.Value);
        references.Prime(sender.Value);
        var pointer = new ActiveEnrollmentPointer(enrollment.Id, enrollment.SequenceId, now);

        // One active sequence per contact, atomically: insert the contact's active pointer. Most
        // contacts have none yet, so try that first; otherwise replace it only if it points to an
        // enrollment that has ended, and only if nobody replaced it meanwhile (its ETag).
        if (!await contacts.TryClaimActiveEnrollmentAsync(contact.Value.Id, pointer, null, cancellationToken))
        {
            var active = await contacts.GetActiveEnrollmentAsync(c.ContactId!, cancellationToken);
            var (activeSequenceId, activeSequenceName) = await ActiveSequenceAsync(c.ContactId!, active, now, cancellationToken);
            if (activeSequenceId is not null)
            {
                return EnrollmentRules.AlreadyEnrolled(contact.Value.Id, activeSequenceId, activeSequenceName);
            }

            if (active is null || !await contacts.TryClaimActiveEnrollmentAsync(contact.Value.Id, pointer, active.ETag, cancellationToken))
            {
                // Another request enrolled the contact between our read and our write.
                var winner = await contacts.GetActiveEnrollmentAsync(contact.Value.Id, cancellationToken);
                var winnerName = winner is null ? null : (await references.SequenceAsync(winner.Value.SequenceId, cancellationToken))?.Name;
                return EnrollmentRules.AlreadyEnrolled(contact.Value.Id, winner?.Value.SequenceId ?? "unknown", winnerName);
            }
        }

        // Timer before record (see Transition): a message that finds no record yet waits for it.
        await scheduler.ScheduleAsync(WorkMessage.ForStep(enrollment.SequenceId, enrollment.Id, first.Step, first.Revision, first.DueAt), first.DueAt, cancellationToken);
        cache.Remember(enrollment, await enrollments.CreateAsync(enrollment, cancellationToken));
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
                return (p.SequenceId, (await references.SequenceAsync(p.SequenceId, cancellationToken))?.Name);
            }

            logger.StalePointer(contactId, p.EnrollmentId);
            return (null, null);
        }

        if (existing.Value.IsEnded)
        {
            return (null, null);
        }

        return (p.SequenceId, (await references.SequenceAsync(p.SequenceId, cancellationToken))?.Name);
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

            var sequence = await references.SequenceAsync(current.Value.SequenceId, cancellationToken);
            var transition = EnrollmentDecisions.OnResume(current.Value, sequence, time.GetUtcNow());
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
