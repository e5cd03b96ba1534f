using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Sequences.Core.Engine;
using Sequences.Core.Errors;
using Sequences.Core.Inbound;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Validation;

namespace Sequences.Core.Automation;

/// <summary>
/// Automation: rules that enroll or unenroll on form submissions and page views, the workflow
/// endpoints, and delayed enrollments through the durable schedule. Enrolling through a rule is
/// an ordinary enrollment: every rule of enrolling applies, and a refusal is recorded (on the
/// rule and on the contact's timeline), never dropped.
/// </summary>
public sealed class AutomationService(
    IAutomationStore rules,
    IContactTimelineStore timeline,
    IContactStore contacts,
    IContactIndex index,
    IUserStore users,
    IEnrollmentStore enrollments,
    EnrollmentService enrolling,
    DirectoryService directory,
    IListings listings,
    IEnrollmentWorkflows workflows,
    IIdGenerator ids,
    TimeProvider time,
    ILogger<AutomationService> logger)
{
    private static readonly TimeSpan RuleCacheTtl = TimeSpan.FromSeconds(10);
    private (IReadOnlyList<AutomationRule> Rules, DateTimeOffset Until) _cache = ([], DateTimeOffset.MinValue);

    // ---- rules ------------------------------------------------------------------------------

    public async Task<Result<AutomationRule>> CreateRuleAsync(string sequenceId, RuleCommand? command, CancellationToken ct)
    {
        if (await directory.GetSequenceAsync(sequenceId, ct) is not { } sequence || sequence.DeletedAt is not null)
        {
            return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
        }

        var built = RuleValidation.Build(ids.NewId(), sequenceId, command, null, time.GetUtcNow());
        if (built.Error is not null)
        {
            return built;
        }

        if (await SenderProblemAsync(built.Value!, ct) is { } problem)
        {
            return problem;
        }

        await rules.InsertRuleAsync(built.Value!, ct);
        Invalidate();
        await ListFormAsync(built.Value!.Trigger.FormId, ct);
        return built;
    }

    public async Task<AutomationRule?> GetRuleAsync(string ruleId, CancellationToken ct) =>
        FieldErrors.IdProblem(ruleId) is null ? (await rules.GetRuleAsync(ruleId, ct))?.Value : null;

    public async Task<IReadOnlyList<AutomationRule>> ListRulesAsync(string sequenceId, CancellationToken ct) =>
        (await rules.ListRulesAsync(ct)).Where(r => r.SequenceId == sequenceId).OrderBy(r => r.CreatedAt).ToList();

    public async Task<Result<AutomationRule>> ReplaceRuleAsync(string ruleId, RuleCommand? command, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = FieldErrors.IdProblem(ruleId) is null ? await rules.GetRuleAsync(ruleId, ct) : null;
            if (existing is null)
            {
                return NotFound(ruleId);
            }

            var built = RuleValidation.Build(ruleId, existing.Value.SequenceId, command, existing.Value, time.GetUtcNow());
            if (built.Error is not null)
            {
                return built;
            }

            if (await SenderProblemAsync(built.Value!, ct) is { } problem)
            {
                return problem;
            }

            try
            {
                await rules.ReplaceRuleAsync(built.Value!, existing.ETag, ct);
                Invalidate();
                await ListFormAsync(built.Value!.Trigger.FormId, ct);
                return built;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    public async Task<bool> DeleteRuleAsync(string ruleId, CancellationToken ct)
    {
        if (await GetRuleAsync(ruleId, ct) is null)
        {
            return false;
        }

        await rules.DeleteRuleAsync(ruleId, ct);
        Invalidate();
        return true;
    }

    /// <summary>Removes every rule of a sequence (it is being deleted).</summary>
    public async Task DeleteRulesOfAsync(string sequenceId, CancellationToken ct)
    {
        foreach (var rule in await ListRulesAsync(sequenceId, ct))
        {
            await rules.DeleteRuleAsync(rule.Id, ct);
        }

        Invalidate();
    }

    public Task<IReadOnlyList<AutomationFailure>> ListFailuresAsync(string ruleId, CancellationToken ct) => rules.ListFailuresAsync(ruleId, 200, ct);

    public static DomainError NotFound(string ruleId) => DomainError.NotFound(ErrorCodes.RuleNotFound, "Automation rule", ruleId);

    private async Task<DomainError?> SenderProblemAsync(AutomationRule rule, CancellationToken ct) =>
        rule.Sender.Type == RuleSender.User && await users.GetAsync(rule.Sender.UserId!, ct) is null
            ? DomainError.Invalid("sender.userId", $"There is no user with id '{rule.Sender.UserId}'.")
            : null;

    /// <summary>Forms seen in rules and submissions, for the rule editor's choice.</summary>
    private Task ListFormAsync(string? formId, CancellationToken ct) =>
        formId is null || FieldErrors.IdProblem(formId) is not null ? Task.CompletedTask : listings.AddAsync(ListingKind.Forms, [formId], ct);

    // ---- events -----------------------------------------------------------------------------

    /// <summary>Runs every enabled rule an event matches: unenrolling first, then enrolling (now or later).</summary>
    public async Task HandleEventAsync(AutomationEvent e, CancellationToken ct)
    {
        await ListFormAsync(e.FormId, ct);
        var matching = (await EnabledRulesAsync(ct)).Where(r => RuleMatching.Matches(r.Trigger, e))
            .OrderBy(r => r.Action == AutomationRule.Unenroll ? 0 : 1).ToList();
        if (matching.Count == 0)
        {
            return;
        }

        var contact = await ResolveContactAsync(e, ct);
        foreach (var rule in matching)
        {
            if (contact is null)
            {
                await FailAsync(rule, e.EventId, null, ErrorCodes.ContactNotFound,
                    $"The {e.Type} names no known contact (contactId '{e.ContactId}') and no email to create one from.", ct);
                continue;
            }

            if (rule.Action == AutomationRule.Unenroll)
            {
                await UnenrollAsync(rule.SequenceId, contact.Id, $"Unenrolled by automation rule {rule.Id} ({e.Type}).", ct);
            }
            else if (rule.DelayMinutes == 0)
            {
                await EnrollByRuleAsync(rule, contact, e.EventId, EnrollmentIdFor(rule, e.EventId), ct);
            }
            else
            {
                await ScheduleAsync(rule, contact, e, ct);
            }
        }
    }

    /// <summary>
    /// A delayed enrollment is due (its workflow woke): enroll unless the contact was unenrolled by
    /// a rule or enrolled elsewhere meanwhile. Idempotent: only a pending enrollment still pending acts.
    /// </summary>
    public async Task RunPendingAsync(string contactId, string enrollmentId, CancellationToken ct)
    {
        var pending = await timeline.GetPendingAsync(contactId, enrollmentId, ct);
        if (pending is null || pending.Value.Status != PendingStatus.Pending)
        {
            return;
        }

        var p = pending.Value;
        var rule = (await rules.GetRuleAsync(p.RuleId, ct))?.Value;
        string? cancel = null;
        if (rule is not { Enabled: true })
        {
            cancel = "The rule was deleted or disabled before the enrollment was due.";
        }
        else if (await contacts.GetActiveEnrollmentAsync(contactId, ct) is { } active && active.Value.ClaimedAt > p.CreatedAt
                 && active.Value.EnrollmentId != p.EnrollmentId && (await enrollments.GetAsync(active.Value.SequenceId, active.Value.EnrollmentId, ct))?.Value is { IsEnded: false })
        {
            cancel = $"The contact was enrolled in sequence {active.Value.SequenceId} meanwhile.";
        }

        if (cancel is not null)
        {
            await SetPendingAsync(contactId, p.EnrollmentId, PendingStatus.Cancelled, cancel, ct);
            return;
        }

        if (await contacts.GetAsync(contactId, ct) is not { } contact)
        {
            await SetPendingAsync(contactId, p.EnrollmentId, PendingStatus.Failed, "The contact no longer exists.", ct);
            return;
        }

        var ok = await EnrollByRuleAsync(rule!, contact.Value, p.EventId, p.EnrollmentId, ct);
        await SetPendingAsync(contactId, p.EnrollmentId, ok ? PendingStatus.Enrolled : PendingStatus.Failed, null, ct);
    }

    // ---- workflows --------------------------------------------------------------------------

    /// <summary>An external workflow engine enrolls: the same as a rule firing (the sender defaults to the contact's owner).</summary>
    public async Task<Result<Enrollment>> WorkflowEnrollAsync(WorkflowCommand? c, CancellationToken ct)
    {
        if (WorkflowProblem(c) is { } invalid)
        {
            return invalid;
        }

        if (await contacts.GetAsync(c!.ContactId!, ct) is not { } contact)
        {
            return DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", c.ContactId!);
        }

        var sender = c.SenderUserId is { } given ? given : await ResolveOwnerAsync(new RuleSender(RuleSender.ContactOwner), contact.Value, ct);
        if (sender is null)
        {
            return new DomainError(ErrorKind.Rule, ErrorCodes.SenderNotFound, "No sender",
                $"Give senderUserId, or set the contact's owner (ownerUserId) to a user's id or email.");
        }

        var result = await enrolling.EnrollAsync(c.SequenceId!, new EnrollCommand(contact.Value.Id, sender), ct);
        if (result.Error is { } error && error.Kind != ErrorKind.Validation)
        {
            await timeline.AddFailureAsync(contact.Value.Id, new AutomationFailure("workflow", c.SequenceId!, $"workflow|{time.GetUtcNow():O}",
                contact.Value.Id, error.Code, error.Detail ?? error.Title, time.GetUtcNow()), ct);
        }

        return result;
    }

    /// <summary>An external workflow engine unenrolls (reason WORKFLOW); the contact not being in the sequence is not an error.</summary>
    public async Task<Result<Enrollment?>> WorkflowUnenrollAsync(WorkflowCommand? c, CancellationToken ct)
    {
        if (WorkflowProblem(c) is { } invalid)
        {
            return invalid;
        }

        if (await contacts.GetAsync(c!.ContactId!, ct) is null)
        {
            return DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", c.ContactId!);
        }

        return await UnenrollAsync(c.SequenceId!, c.ContactId!, "Unenrolled by a workflow.", ct);
    }

    private static DomainError? WorkflowProblem(WorkflowCommand? c)
    {
        var errors = new FieldErrors();
        if (c is null)
        {
            errors.Add("$", "A JSON body is required.");
            return errors.ToError();
        }

        errors.CheckId("sequenceId", c.SequenceId, "sequenceId is required.");

        errors.CheckId("contactId", c.ContactId, "contactId is required.");

        if (c.SenderUserId is not null && FieldErrors.IdProblem(c.SenderUserId) is { } senderProblem)
        {
            errors.Add("senderUserId", senderProblem);
        }

        return errors.Any ? errors.ToError() : null;
    }

    // ---- the work -----------------------------------------------------------------------------

    /// <summary>
    /// Ends the contact's enrollment in the sequence (reason WORKFLOW) and cancels its pending
    /// enrollments into it; returns the ended enrollment, or null when there was none.
    /// </summary>
    private async Task<Enrollment?> UnenrollAsync(string sequenceId, string contactId, string detail, CancellationToken ct)
    {
        foreach (var pending in await timeline.ListPendingAsync(contactId, ct))
        {
            if (pending.Value is { Status: PendingStatus.Pending } p && p.SequenceId == sequenceId)
            {
                await SetPendingAsync(contactId, p.EnrollmentId, PendingStatus.Cancelled, detail, ct);
            }
        }

        if (await contacts.GetActiveEnrollmentAsync(contactId, ct) is not { } active || active.Value.SequenceId != sequenceId
            || (await enrollments.GetAsync(active.Value.SequenceId, active.Value.EnrollmentId, ct))?.Value is not { IsEnded: false })
        {
            return null;
        }

        var ended = await enrolling.UnenrollAsync(active.Value.EnrollmentId, EndReasons.Workflow, detail, ct);
        return ended.Value;
    }

    private async Task<bool> EnrollByRuleAsync(AutomationRule rule, Contact contact, string eventId, string enrollmentId, CancellationToken ct)
    {
        var sender = rule.Sender.Type == RuleSender.User ? rule.Sender.UserId : await ResolveOwnerAsync(rule.Sender, contact, ct);
        if (sender is null)
        {
            await FailAsync(rule, eventId, contact.Id, ErrorCodes.SenderNotFound,
                $"The contact's '{rule.Sender.Property ?? RuleSender.DefaultOwnerProperty}' does not name a user (by id or email).", ct);
            return false;
        }

        var result = await enrolling.EnrollAsync(rule.SequenceId, new EnrollCommand(contact.Id, sender), ct, enrollmentId);
        if (result.Error is { } error)
        {
            await FailAsync(rule, eventId, contact.Id, error.Code, error.Detail ?? error.Title, ct);
            return false;
        }

        logger.RuleEnrolled(rule.Id, contact.Id, result.Value!.Id, rule.SequenceId);
        return true;
    }

    private async Task ScheduleAsync(AutomationRule rule, Contact contact, AutomationEvent e, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var dueAt = (e.OccurredAt < now ? e.OccurredAt : now) + TimeSpan.FromMinutes(rule.DelayMinutes);
        var enrollmentId = EnrollmentIdFor(rule, e.EventId);
        var pending = new PendingEnrollment(enrollmentId, contact.Id, rule.SequenceId, rule.Id, e.EventId, dueAt, PendingStatus.Pending, now);

        // The workflow first: if we stop before the record, the workflow wakes at the due time,
        // finds no pending enrollment and finishes; the reverse order could lose the enrollment.
        await workflows.StartPendingAsync(enrollmentId, contact.Id, dueAt, ct);
        await timeline.CreatePendingIfAbsentAsync(pending, ct);
    }

    private async Task SetPendingAsync(string contactId, string enrollmentId, PendingStatus status, string? detail, CancellationToken ct)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var current = await timeline.GetPendingAsync(contactId, enrollmentId, ct);
            if (current is null || current.Value.Status == status)
            {
                return;
            }

            try
            {
                await timeline.ReplacePendingAsync(current.Value with { Status = status, Detail = detail ?? current.Value.Detail }, current.ETag, ct);
                return;
            }
            catch (ConcurrencyException)
            {
            }
        }
    }

    private async Task FailAsync(AutomationRule rule, string eventId, string? contactId, string code, string detail, CancellationToken ct)
    {
        var failure = new AutomationFailure(rule.Id, rule.SequenceId, eventId, contactId, code, detail, time.GetUtcNow());
        logger.RuleFailed(rule.Id, contactId ?? "", code, detail);
        await rules.AddFailureAsync(failure, ct);
        if (contactId is not null)
        {
            await timeline.AddFailureAsync(contactId, failure, ct);
        }
    }

    /// <summary>The contact an event names: by id; unknown by id but given by email, created; by email alone, found or created.</summary>
    private async Task<Contact?> ResolveContactAsync(AutomationEvent e, CancellationToken ct)
    {
        if (e.ContactId is { } id && FieldErrors.IdProblem(id) is null && await contacts.GetAsync(id, ct) is { } byId)
        {
            return byId.Value;
        }

        if (e.Email is not { } email || !FieldErrors.IsEmail(email))
        {
            return null;
        }

        if (e.ContactId is null)
        {
            foreach (var candidate in await index.FindByEmailAsync(email, ct))
            {
                if (await contacts.GetAsync(candidate, ct) is { Value.Email: { } known } found && EmailAddresses.SameMailbox(known, email))
                {
                    return found.Value;
                }
            }
        }

        var newId = e.ContactId is { } given && FieldErrors.IdProblem(given) is null ? given : ids.NewId();
        var fields = e.Fields ?? new Dictionary<string, string>();
        string? Field(params string[] names) => names.Select(n => fields.FirstOrDefault(f => string.Equals(f.Key, n, StringComparison.OrdinalIgnoreCase)).Value)
            .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        var created = await directory.PutContactAsync(newId, new ContactCommand(
            email,
            Field("firstName", "firstname", "first_name"),
            Field("lastName", "lastname", "last_name"),
            Field("company", "companyName", "company_name")), ct);
        return created.Value;
    }

    /// <summary>The user a contact-owner rule names (by id, or by email).</summary>
    private async Task<string?> ResolveOwnerAsync(RuleSender sender, Contact contact, CancellationToken ct)
    {
        if (RuleMatching.OwnerReference(sender, contact) is not { } reference)
        {
            return null;
        }

        if (reference.Contains('@', StringComparison.Ordinal))
        {
            return (await users.FindByEmailAsync(reference, ct))?.Id;
        }

        return await users.GetAsync(reference, ct) is null ? null : reference;
    }

    /// <summary>A rule's enrollment for one event always gets the same id: processing the event twice enrolls once.</summary>
    private static string EnrollmentIdFor(AutomationRule rule, string eventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{rule.Id}|{eventId}"));
        return Ids.Enrollment(rule.SequenceId, Ids.FromGuid(new Guid(hash.AsSpan(0, 16))));
    }

    private async Task<IReadOnlyList<AutomationRule>> EnabledRulesAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.Until <= now)
        {
            _cache = ((await rules.ListRulesAsync(ct)).Where(r => r.Enabled).ToList(), now + RuleCacheTtl);
        }

        return _cache.Rules;
    }

    private void Invalidate() => _cache = ([], DateTimeOffset.MinValue);
}
