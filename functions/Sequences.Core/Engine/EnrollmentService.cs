using Microsoft.Extensions.Logging;
using Sequences.Core.Decisions;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Core.Engine;

/// <summary>One contact's outcome in a bulk enrollment.</summary>
public sealed record BulkResult(string ContactId, Enrollment? Enrollment, DomainError? Error);

/// <summary>Enrolls, reads and ends enrollments.</summary>
public sealed class EnrollmentService(
    IEnrollmentStore enrollments,
    IEnrollmentIndex index,
    ReferenceCache references,
    IContactStore contacts,
    IUserStore users,
    IEnrollmentWorkflows workflows,
    TransitionWriter writer,
    EnrollmentCache cache,
    IIdGenerator ids,
    TimeProvider time,
    ILogger<EnrollmentService> logger)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _senderGates = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (SenderSnapshot Snapshot, DateTimeOffset At)> _latest = new(StringComparer.Ordinal);

    /// <summary>A pointer to an enrollment record that was never written is stale after this long.</summary>
    private static readonly TimeSpan PointerGrace = TimeSpan.FromSeconds(30);

    /// <summary>Bulk-enrolled first emails go out at most 3 a minute per sender (HubSpot's rule).</summary>
    public static readonly TimeSpan BulkSpacing = TimeSpan.FromSeconds(20);

    public const int MaxBulk = 50;

    /// <summary>
    /// Enrolls one contact. With <paramref name="enrollmentId"/> (automation fixes it in advance) an
    /// enrollment that already exists under that id is returned as it is: enrolling twice enrolls once.
    /// </summary>
    public async Task<Result<Enrollment>> EnrollAsync(string sequenceId, EnrollCommand? command, CancellationToken cancellationToken, string? enrollmentId = null)
    {
        if (enrollmentId is not null && await enrollments.GetAsync(enrollmentId, cancellationToken) is { } existing)
        {
            return existing.Value;
        }

        var now = time.GetUtcNow();
        if (EnrollmentRules.ValidateRequest(command, now) is { } invalid)
        {
            return invalid;
        }

        var c = command!;
        var sequenceTask = references.SequenceAsync(sequenceId, cancellationToken);
        var senderTask = ReadSenderAsync(c.SenderUserId!, now, cancellationToken);
        if (await sequenceTask is not { } sequence)
        {
            return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
        }

        if (sequence.DeletedAt is not null)
        {
            return Deleted(sequence);
        }

        if (await senderTask is not { } sender)
        {
            return SenderNotFound(c.SenderUserId!);
        }

        var (result, _) = await EnrollOneAsync(sequence, sender, c, now, cancellationToken, enrollmentId);
        return result;
    }

    /// <summary>
    /// Enrolls up to <see cref="MaxBulk"/> contacts; one contact's refusal does not affect the
    /// others. First emails are spaced <see cref="BulkSpacing"/> apart per sender, after any
    /// bulk sends already planned for that sender.
    /// </summary>
    public async Task<Result<IReadOnlyList<BulkResult>>> EnrollBatchAsync(string sequenceId, BulkEnrollCommand? command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (command?.Contacts is { Count: > MaxBulk } tooMany)
        {
            return new DomainError(ErrorKind.Validation, ErrorCodes.BatchTooLarge, "Too many contacts in one request",
                $"A bulk enrollment takes at most {MaxBulk} contacts; this one has {tooMany.Count}. Split it into several requests.",
                Extensions: new Dictionary<string, object?> { ["maxContacts"] = MaxBulk });
        }

        if (command?.Contacts is not { Count: > 0 } items)
        {
            return DomainError.Invalid("contacts", "At least one contact is required.");
        }

        if (EnrollmentRules.ValidateRequest(command.For(new BulkContactCommand("placeholder")), now) is { } invalid)
        {
            return invalid;
        }

        if (await references.SequenceAsync(sequenceId, cancellationToken) is not { } sequence)
        {
            return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
        }

        if (sequence.DeletedAt is not null)
        {
            return Deleted(sequence);
        }

        if (await ReadSenderAsync(command.SenderUserId!, now, cancellationToken) is not { } sender)
        {
            return SenderNotFound(command.SenderUserId!);
        }

        // Slots for the contacts whose first step is an automated email, in request order. A first
        // email due now (or soon) takes the sender's next slots; one due later (a delayed first
        // step, send-later) is spaced from its own time within this request.
        var commands = items.Select(command.For).ToList();
        // One asking for its task at once while starting with an email takes none: it is refused for that.
        var throttled = commands.Select(c => sequence.StepAt(c.StartAtStep ?? 1) is { IsAutomatedEmail: true } && c.CreateTaskImmediately != true).ToList();
        var slotCount = throttled.Count(t => t);
        var start = command.SendFirstAt ?? FirstDue(sequence, command, sender.User.Value, now);
        var firstSlot = slotCount == 0 ? now
            : start > now + SoonWindow ? start
            : await users.ClaimBulkSlotsAsync(sender.User.Value.Id, slotCount, BulkSpacing, start, cancellationToken);

        var results = new List<BulkResult>();
        var slot = 0;
        for (var i = 0; i < commands.Count; i++)
        {
            var c = commands[i];
            if (throttled[i])
            {
                var at = firstSlot + slot++ * BulkSpacing;
                c = c with { SendFirstAt = c.SendFirstAt is { } own && own > at ? own : at };
            }

            if (EnrollmentRules.ValidateRequest(c, now) is { } itemInvalid)
            {
                results.Add(new BulkResult(c.ContactId ?? "", null, itemInvalid));
                continue;
            }

            var (result, updated) = await EnrollOneAsync(sequence, sender, c, now, cancellationToken);
            sender = updated;
            results.Add(new BulkResult(c.ContactId!, result.Value, result.Error));
        }

        return results;
    }

    /// <summary>First emails due within this long take the sender's bulk slots (3 a minute across requests).</summary>
    private static readonly TimeSpan SoonWindow = TimeSpan.FromMinutes(5);

    /// <summary>When a bulk enrollment's first step is due by its own delay (steps after the first start at once).</summary>
    private static DateTimeOffset FirstDue(Sequence sequence, BulkEnrollCommand command, User sender, DateTimeOffset now) =>
        (command.StartAtStep ?? 1) == 1 && sequence.StepAt(1) is { } first
            ? Scheduling.StepClock.DueAt(now, first.Delay, Scheduling.TimeZones.FindOrUtc(command.TimeZone ?? sender.TimeZone ?? "UTC"), sequence.Settings, isFirstStep: true)
            : now;

    private Task<SenderSnapshot?> ReadSenderAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        users.GetWithLedgerAsync(userId, now - TimeSpan.FromDays(1), now + SendLimits.Horizon + TimeSpan.FromDays(7), cancellationToken);

    public static DomainError Deleted(Sequence sequence) =>
        new(ErrorKind.Conflict, ErrorCodes.SequenceDeleted, "The sequence was deleted",
            $"Sequence '{sequence.Name}' was deleted at {sequence.DeletedAt:u}; its history stays readable but nothing can be added to it.");

    private static DomainError SenderNotFound(string userId) =>
        new(ErrorKind.NotFound, ErrorCodes.SenderNotFound, "Sender not found", $"There is no user with id '{userId}'.");

    /// <summary>
    /// One enrollment: decide on the contact as read now and the sender's ledger, claim the
    /// contact's active pointer, reserve the planned emails against the ledger (conditionally: on a
    /// race the decision is taken again on a fresh read), set the first timer, write the record.
    /// Returns the sender snapshot as it is afterwards, for the next contact of a bulk request.
    /// </summary>
    private async Task<(Result<Enrollment> Result, SenderSnapshot Sender)> EnrollOneAsync(
        Sequence sequence, SenderSnapshot sender, EnrollCommand c, DateTimeOffset now, CancellationToken cancellationToken, string? fixedId = null)
    {
        if (await contacts.GetAsync(c.ContactId!, cancellationToken) is not { } contact)
        {
            return (DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", c.ContactId!), sender);
        }

        var enrollmentId = fixedId ?? Ids.Enrollment(sequence.Id, ids.NewId());

        // Decide on what was read, then claim the contact: a refusal costs nothing more, and the
        // claim (one per contact, atomic) needs no turn on the sender.
        var decided = EnrollmentRules.Enroll(enrollmentId, c, sequence, contact.Value, sender.User.Value, null, null, now, sender.Ledger);
        if (decided.Error is { } refusedEarly)
        {
            return (refusedEarly, sender);
        }

        if (await ClaimContactAsync(contact.Value.Id, decided.Value!.Enrollment, now, cancellationToken) is { } conflict)
        {
            return (conflict, sender);
        }

        // Enrollments for one sender reserve against the same ledger rows: in this process they take
        // turns (each starting from the freshest ledger this process wrote); against other processes
        // the conditional write decides, and the loser reads again and decides again.
        SenderSnapshot reserved;
        var gate = _senderGates.GetOrAdd(sender.User.Value.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_latest.TryGetValue(sender.User.Value.Id, out var latest) && latest.At >= now)
            {
                sender = latest.Snapshot;
            }

            for (var attempt = 1; ; attempt++)
            {
                decided = EnrollmentRules.Enroll(enrollmentId, c, sequence, contact.Value, sender.User.Value, null, null, now, sender.Ledger);
                if (decided.Error is { } refused)
                {
                    await contacts.ReleaseActiveEnrollmentAsync(contact.Value.Id, enrollmentId, cancellationToken);
                    return (refused, sender);
                }

                if (await users.TryReserveAsync(sender, decided.Value!.Reservation, [enrollmentId], cancellationToken) is { } done)
                {
                    reserved = done;
                    _latest[sender.User.Value.Id] = (done, time.GetUtcNow());
                    break;
                }

                if (attempt >= 20)
                {
                    await contacts.ReleaseActiveEnrollmentAsync(contact.Value.Id, enrollmentId, cancellationToken);
                    throw new ConcurrencyException($"Could not reserve sends for user {sender.User.Value.Id} after {attempt} attempts.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), time, cancellationToken);
                sender = await ReadSenderAsync(sender.User.Value.Id, now, cancellationToken) ?? sender;
            }
        }
        finally
        {
            gate.Release();
        }

        var enrollment = decided.Value!.Enrollment;
        references.Prime(contact.Value);
        references.Prime(reserved);

        // Record first, then its workflow: if we stop in between, the reconciler starts the
        // workflow of an active enrollment whose step is overdue.
        await index.BeforeWriteAsync(null, enrollment, cancellationToken);
        cache.Remember(enrollment, await enrollments.CreateAsync(enrollment, cancellationToken));
        await workflows.StartAsync(enrollment.Id, cancellationToken);
        logger.Enrolled(contact.Value.Id, enrollment.Id, enrollment.SequenceId, enrollment.DueAt ?? now);
        return (enrollment, reserved);
    }

    /// <summary>
    /// One active sequence per contact, atomically: insert the contact's active pointer. Most
    /// contacts have none yet, so that is tried first; otherwise it is replaced only if it points to
    /// an enrollment that has ended, and only if nobody replaced it meanwhile (its ETag).
    /// </summary>
    private async Task<DomainError?> ClaimContactAsync(string contactId, Enrollment enrollment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pointer = new ActiveEnrollmentPointer(enrollment.Id, enrollment.SequenceId, now);
        if (await contacts.TryClaimActiveEnrollmentAsync(contactId, pointer, null, cancellationToken))
        {
            return null;
        }

        var active = await contacts.GetActiveEnrollmentAsync(contactId, cancellationToken);
        var (activeSequenceId, activeSequenceName) = await ActiveSequenceAsync(contactId, active, now, cancellationToken);
        if (activeSequenceId is not null)
        {
            return EnrollmentRules.AlreadyEnrolled(contactId, activeSequenceId, activeSequenceName, active?.Value.EnrollmentId);
        }

        if (active is not null && await contacts.TryClaimActiveEnrollmentAsync(contactId, pointer, active.ETag, cancellationToken))
        {
            return null;
        }

        // Another request enrolled the contact between our read and our write.
        var winner = await contacts.GetActiveEnrollmentAsync(contactId, cancellationToken);
        var winnerName = winner is null ? null : (await references.SequenceAsync(winner.Value.SequenceId, cancellationToken))?.Name;
        return EnrollmentRules.AlreadyEnrolled(contactId, winner?.Value.SequenceId ?? "unknown", winnerName, winner?.Value.EnrollmentId);
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
    /// Records inbound news (a reply, a bounce, a meeting…) on an enrollment and, with
    /// <paramref name="endReason"/>, ends it — waiting, like an unenroll, for an email that is leaving.
    /// </summary>
    public Task<Result<Enrollment>> RecordNewsAsync(string enrollmentId, TimelineEvent news, string? endReason, CancellationToken cancellationToken) =>
        ChangeAsync(enrollmentId, (e, now) => Inbound.InboundDecisions.OnNews(e, news, endReason, now), endReason is not null, cancellationToken);

    /// <summary>
    /// Ends an enrollment. If a worker is sending the current step's email right now, records the
    /// unenroll as a request (<see cref="Enrollment.PendingStop"/>) that worker applies: before it
    /// hands the email over, so that it does not leave, or right after.
    /// </summary>
    /// <remarks>
    /// Wake: whether to wake the workflow so that it finishes now. Nothing
    /// depends on it (the workflow finds the enrollment ended whenever it next looks), so bulk
    /// operations leave it asleep rather than wake thousands of workflows at once.
    /// </remarks>
    public Task<Result<Enrollment>> UnenrollAsync(string enrollmentId, string reason, string? detail, bool wake, CancellationToken cancellationToken) =>
        ChangeAsync(enrollmentId, (e, now) => EnrollmentDecisions.OnEnd(e, reason, now, detail), wake, cancellationToken);

    public Task<Result<Enrollment>> UnenrollAsync(string enrollmentId, string reason, string? detail, CancellationToken cancellationToken) =>
        UnenrollAsync(enrollmentId, reason, detail, wake: true, cancellationToken);

    public Task<Result<Enrollment>> PauseAsync(string enrollmentId, CancellationToken cancellationToken) => PauseAsync(enrollmentId, wake: true, cancellationToken);

    /// <summary>Pauses an enrollment; <paramref name="wake"/> as for <see cref="UnenrollAsync(string, string, string?, bool, CancellationToken)"/> (a paused workflow sleeps until resumed either way).</summary>
    public async Task<Result<Enrollment>> PauseAsync(string enrollmentId, bool wake, CancellationToken cancellationToken)
    {
        var result = await ChangeAsync(enrollmentId, EnrollmentDecisions.OnPause, wake, cancellationToken);
        return result.Value is { IsEnded: true } ended ? Ended(ended) : result;
    }

    private static DomainError Ended(Enrollment e) =>
        new(ErrorKind.Conflict, ErrorCodes.EnrollmentEnded, "The enrollment has ended",
            $"Enrollment '{e.Id}' ended ({e.EndReason}) at {e.EndedAt:u}; it can no longer be paused or resumed.");

    public async Task<Result<Enrollment>> ResumeAsync(string enrollmentId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await enrollments.GetAsync(enrollmentId, cancellationToken);
            if (current is null)
            {
                return DomainError.NotFound(ErrorCodes.EnrollmentNotFound, "Enrollment", enrollmentId);
            }

            if (current.Value.IsEnded)
            {
                return Ended(current.Value);
            }

            var sequence = await references.SequenceAsync(current.Value.SequenceId, cancellationToken);
            var transition = EnrollmentDecisions.OnResume(current.Value, sequence, time.GetUtcNow());
            if (transition is null)
            {
                return current.Value;
            }

            try
            {
                await writer.ApplyAsync(transition, current, cancellationToken);
                await workflows.WakeAsync(transition.State.Workflow, cancellationToken);
                return transition.State;
            }
            catch (ConcurrencyException) when (attempt < 10)
            {
            }
        }
    }

    private async Task<Result<Enrollment>> ChangeAsync(
        string enrollmentId, Func<Enrollment, DateTimeOffset, EndDecision> decide, bool wake, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await enrollments.GetAsync(enrollmentId, cancellationToken);
            if (current is null)
            {
                return DomainError.NotFound(ErrorCodes.EnrollmentNotFound, "Enrollment", enrollmentId);
            }

            var decision = decide(current.Value, time.GetUtcNow());
            if (decision is EndDecision.AlreadyEnded done)
            {
                return done.State;
            }

            try
            {
                // A request (a step in flight) is applied by the worker holding the step: no wake.
                var (transition, wakeNow) = decision switch
                {
                    EndDecision.Apply apply => (apply.Transition, wake),
                    _ => (((EndDecision.Request)decision).Transition, false),
                };
                await writer.ApplyAsync(transition, current, cancellationToken);
                if (wakeNow)
                {
                    await workflows.WakeAsync(transition.State.Workflow, cancellationToken);
                }

                return transition.State;
            }
            catch (ConcurrencyException) when (attempt < 20)
            {
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
