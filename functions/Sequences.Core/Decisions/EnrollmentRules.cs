using System.Globalization;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Rendering;
using Sequences.Core.Scheduling;
using Sequences.Core.Validation;

namespace Sequences.Core.Decisions;

/// <summary>A new enrollment (its first step due at <see cref="Enrollment.DueAt"/>) and the emails it reserves against the sender's limit.</summary>
public sealed record NewEnrollment(Enrollment Enrollment, IReadOnlyDictionary<DateTimeOffset, int> Reservation);

/// <summary>Whether and how a contact may be enrolled. Pure.</summary>
public static class EnrollmentRules
{
    /// <summary>Checks the request's own fields, before anything is loaded.</summary>
    public static DomainError? ValidateRequest(EnrollCommand? c, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (c is null)
        {
            errors.Add("$", "A JSON body is required.");
            return errors.ToError();
        }

        errors.CheckId("contactId", c.ContactId, "The contact's id is required.");

        errors.CheckId("senderUserId", c.SenderUserId, "The sending user's id is required.");

        if (c.FromAddress is not null && !FieldErrors.IsEmail(c.FromAddress))
        {
            errors.Add("fromAddress", $"'{c.FromAddress}' is not an email address.");
        }

        foreach (var (name, value) in c.Tokens ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
            {
                errors.Add($"tokens.{name}", "Token names are 1–100 characters.");
            }
            else if (value is null)
            {
                errors.Add($"tokens.{name}", "Token values are strings; null is not allowed.");
            }
        }

        if (c.SendFirstAt is { } at && at < now.AddMinutes(-1))
        {
            errors.Add("sendFirstAt", "sendFirstAt is in the past.");
        }

        if (c.CreateTaskImmediately == true && c.SendFirstAt is not null)
        {
            errors.Add("createTaskImmediately", "A task created immediately has no send-later time: leave out sendFirstAt or createTaskImmediately.");
        }

        foreach (var (key, value) in c.DelayOverrides ?? new Dictionary<string, string>())
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"delayOverrides.{key}", "Keys are step numbers (1-based).");
            }
            else if (!StepDelay.TryParse(value, out _, out var delayError))
            {
                errors.Add($"delayOverrides.{key}", delayError);
            }
        }

        foreach (var (key, value) in c.TaskOverrides ?? new Dictionary<string, TaskOverrideCommand>())
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"taskOverrides.{key}", "Keys are step numbers (1-based).");
            }

            errors.CheckLength($"taskOverrides.{key}.title", value?.Title, Validator.MaxLineTemplateLength);
            errors.CheckTemplate($"taskOverrides.{key}.title", value?.Title);
        }

        if (c.Settings?.SendWindow is { } window)
        {
            Validator.Window(window, "settings.sendWindow", errors);
        }

        foreach (var (key, value) in c.EmailOverrides ?? new Dictionary<string, EmailOverrideCommand>())
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"emailOverrides.{key}", "Keys are step numbers (1-based).");
            }

            if (string.IsNullOrWhiteSpace(value?.Body))
            {
                errors.Add($"emailOverrides.{key}.body", "An edited email needs a body.");
            }

            errors.CheckLength($"emailOverrides.{key}.subject", value?.Subject, Validator.MaxLineTemplateLength);
            errors.CheckLength($"emailOverrides.{key}.body", value?.Body, Validator.MaxTemplateLength);
            errors.CheckTemplate($"emailOverrides.{key}.subject", value?.Subject);
            errors.CheckTemplate($"emailOverrides.{key}.body", value?.Body);
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        if (StoredJson.Length(c.Tokens) is var tokens && tokens > StoredJson.SinglePropertyChars)
        {
            return DomainError.TooLarge("tokens", "The enrollment's tokens", tokens, StoredJson.SinglePropertyChars);
        }

        return StoredJson.Length(c.EmailOverrides) is var edited && edited > StoredJson.SinglePropertyChars
            ? DomainError.TooLarge("emailOverrides", "The enrollment's edited emails", edited, StoredJson.SinglePropertyChars)
            : null;
    }

    /// <summary>An enrollment's own settings: each one the request gives over the sequence's (validated before).</summary>
    private static SequenceSettings EffectiveSettings(EnrollmentSettingsCommand own, SequenceSettings basis) => basis with
    {
        BusinessDaysOnly = own.BusinessDaysOnly ?? basis.BusinessDaysOnly,
        SendWindow = own.SendWindow is { } w ? Validator.Window(w, "settings.sendWindow", new FieldErrors()) : basis.SendWindow,
        ThreadFollowUps = own.ThreadFollowUps ?? basis.ThreadFollowUps,
    };

    /// <summary>The request's edited emails by step; each must be an email step of the sequence.</summary>
    public static Result<IReadOnlyDictionary<int, EmailOverride>> EmailOverridesFor(EnrollCommand c, Sequence sequence)
    {
        var overrides = new Dictionary<int, EmailOverride>();
        foreach (var (key, value) in c.EmailOverrides ?? new Dictionary<string, EmailOverrideCommand>())
        {
            var n = int.Parse(key, CultureInfo.InvariantCulture);
            if (sequence.StepAt(n) is not { Type: StepType.AutomatedEmail or StepType.ManualEmail })
            {
                return DomainError.Invalid($"emailOverrides.{key}", $"Step {key} is not an email step.");
            }

            overrides[n] = new EmailOverride(string.IsNullOrWhiteSpace(value!.Subject) ? null : value.Subject, value.Body!);
        }

        return overrides;
    }

    /// <summary>Tokens the steps from <paramref name="startAt"/> use (as this enrollment would run them) that have no value.</summary>
    public static IReadOnlyList<string> MissingTokens(
        Sequence sequence, int startAt, IReadOnlyDictionary<int, EmailOverride> emailOverrides, IReadOnlyDictionary<int, TaskOverride> taskOverrides,
        Contact contact, User sender, IReadOnlyDictionary<string, string> tokens)
    {
        var model = new TokenModel(contact, sender, tokens, new Dictionary<string, string> { ["unsubscribeUrl"] = "-" });
        var personalised = new Enrollment { Id = "", SequenceId = "", ContactId = "", SenderUserId = "", FromAddress = "", EmailOverrides = emailOverrides };
        var templates = sequence.Steps.Select((s, i) => personalised.Personalised(i + 1, s)).Skip(startAt - 1)
            .SelectMany(s => new[] { s.Subject, s.Body, s.TaskTitle })
            .Concat(taskOverrides.Values.Select(t => t.Title));
        return model.MissingTokens(templates);
    }

    /// <summary>
    /// The rules of enrolling this contact with this sender into this sequence, in the order a
    /// rep would fix them. <paramref name="activeSequenceName"/> names the sequence the contact is
    /// already active in, if any.
    /// </summary>
    public static Result<NewEnrollment> Enroll(
        string enrollmentId,
        EnrollCommand c,
        Sequence sequence,
        Contact contact,
        User sender,
        string? activeSequenceId,
        string? activeSequenceName,
        DateTimeOffset now,
        SendLedger? ledger = null)
    {
        if (activeSequenceId is not null)
        {
            return AlreadyEnrolled(contact.Id, activeSequenceId, activeSequenceName);
        }

        if (string.IsNullOrWhiteSpace(contact.Email))
        {
            return Rule(ErrorCodes.ContactHasNoEmail, "The contact has no email address", $"Contact '{contact.Id}' has no email address.");
        }

        if (contact.Unsubscribed)
        {
            return Rule(ErrorCodes.ContactUnsubscribed, "The contact unsubscribed", $"Contact '{contact.Id}' unsubscribed from sales emails.");
        }

        if (contact.Bounced)
        {
            return Rule(ErrorCodes.ContactPreviouslyBounced, "The contact's address bounced", $"Email to {contact.Email} bounced before; fix the address to enroll the contact.");
        }

        if (!sender.Active)
        {
            return Rule(ErrorCodes.SenderInactive, "The sender is inactive", $"User '{sender.Id}' is deactivated and cannot send sequences.");
        }

        if (!sequence.IsUsableBy(sender.Id))
        {
            return Rule(ErrorCodes.SequenceNotSharedWithSender, "The sequence is not shared with the sender",
                $"Sequence '{sequence.Name}' is not shared with user '{sender.Id}'. Share it with the user or with everyone.");
        }

        var fromAddress = c.FromAddress ?? sender.SendableAddresses[0];
        if (!sender.CanSendFrom(fromAddress))
        {
            return Rule(ErrorCodes.SenderMailboxNotConnected, "The sending address is not connected",
                $"'{fromAddress}' is not one of user '{sender.Id}''s connected mailboxes ({string.Join(", ", sender.SendableAddresses)}).");
        }

        var startAt = c.StartAtStep ?? 1;
        if (startAt < 1 || startAt > sequence.Steps.Count)
        {
            return Rule(ErrorCodes.InvalidStartStep, "The start step does not exist",
                $"startAtStep must be between 1 and {sequence.Steps.Count}; got {startAt}.");
        }

        var zoneId = c.TimeZone ?? sender.TimeZone ?? "UTC";
        if (!TimeZones.TryFind(zoneId, out var zone))
        {
            return Rule(ErrorCodes.InvalidTimeZone, "The time zone is not known", $"'{zoneId}' is not an IANA time zone such as America/New_York.");
        }

        var delayOverrides = new Dictionary<int, StepDelay>();
        foreach (var (key, value) in c.DelayOverrides ?? new Dictionary<string, string>())
        {
            var n = int.Parse(key, CultureInfo.InvariantCulture);
            if (n < 2 || n > sequence.Steps.Count)
            {
                return DomainError.Invalid($"delayOverrides.{key}", $"Delay overrides apply to steps 2 to {sequence.Steps.Count}.");
            }

            delayOverrides[n] = StepDelay.Parse(value);
        }

        var taskOverrides = new Dictionary<int, TaskOverride>();
        foreach (var (key, value) in c.TaskOverrides ?? new Dictionary<string, TaskOverrideCommand>())
        {
            var n = int.Parse(key, CultureInfo.InvariantCulture);
            if (sequence.StepAt(n) is not { CreatesTask: true })
            {
                return DomainError.Invalid($"taskOverrides.{key}", $"Step {key} does not create a task.");
            }

            taskOverrides[n] = new TaskOverride(value?.Title, value?.ContinueWithoutCompleting);
        }

        if (EmailOverridesFor(c, sequence) is { Error: { } badOverride })
        {
            return badOverride;
        }

        var emailOverrides = EmailOverridesFor(c, sequence).Value!;
        var tokens = new Dictionary<string, string>(c.Tokens ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var missing = MissingTokens(sequence, startAt, emailOverrides, taskOverrides, contact, sender, tokens);
        if (missing.Count > 0)
        {
            return new DomainError(ErrorKind.Rule, ErrorCodes.MissingTokenValues, "Personalization tokens have no value",
                $"The sequence uses tokens with no value for this contact: {string.Join(", ", missing)}. Fill them in on the contact or pass them in tokens.",
                Extensions: new Dictionary<string, object?> { ["missingTokens"] = missing });
        }

        var first = sequence.StepAt(startAt)!;
        if (c.CreateTaskImmediately == true && !first.CreatesTask)
        {
            return DomainError.Invalid("createTaskImmediately", $"Step {startAt}, where this enrollment starts, sends an email; only a task step can be created immediately.");
        }

        // A send-later time is kept, but like every step it moves into the sequence's send window;
        // a first task created immediately waits for neither its delay nor the window.
        var due = c.CreateTaskImmediately == true ? now
            : c.SendFirstAt is { } sendAt ? StepClock.Adjust(sendAt < now ? now : sendAt, zone, sequence.Settings, isFirstStep: true)
            : startAt == 1 ? StepClock.DueAt(now, first.Delay, zone, sequence.Settings, isFirstStep: true)
            : StepClock.Adjust(now, zone, sequence.Settings, isFirstStep: true);

        // The send limit: this enrollment's emails, as planned, must fit the sender's 24-hour windows
        // together with everything the sender has sent or planned.
        var plan = SendLimits.PlanEmails(sequence, startAt, due, zone, delayOverrides,
            c.Settings is null ? sequence.Settings : EffectiveSettings(c.Settings, sequence.Settings));
        var reservation = SendLimits.Count(plan.Values);
        if (ledger is not null && !SendLimits.Fits(ledger, sender.DailySendLimit, reservation))
        {
            var offsets = plan.Values.Select(t => t - due).ToList();
            var freesAt = SendLimits.EarliestFit(ledger, sender.DailySendLimit, offsets, now);
            return new DomainError(ErrorKind.Rule, ErrorCodes.SendLimitReached, "The sender's daily send limit is reached",
                freesAt is { } at
                    ? $"Enrolling would take {sender.Name} over the limit of {sender.DailySendLimit} sequence emails in 24 hours (sent and scheduled). Capacity frees up at {at:u}; enroll then, or use sendFirstAt."
                    : $"{sender.Name}'s limit of {sender.DailySendLimit} sequence emails in 24 hours leaves no room in the next {SendLimits.Horizon.TotalDays:0} days.",
                Extensions: new Dictionary<string, object?> { ["dailySendLimit"] = sender.DailySendLimit, ["capacityFreesAt"] = freesAt });
        }

        var events = new List<TimelineEvent> { new(EventTypes.Enrolled, now, startAt, Detail: $"Enrolled by {sender.Name} into '{sequence.Name}'.") };
        for (var skipped = 1; skipped < startAt; skipped++)
        {
            events.Add(new TimelineEvent(EventTypes.StepSkipped, now, skipped, Reason: "START_AT_STEP"));
        }

        var enrollment = new Enrollment
        {
            Id = enrollmentId,
            SequenceId = sequence.Id,
            ContactId = contact.Id,
            SenderUserId = sender.Id,
            FromAddress = fromAddress,
            Tokens = tokens,
            TimeZone = zoneId,
            DelayOverrides = delayOverrides,
            TaskOverrides = taskOverrides,
            EmailOverrides = emailOverrides,
            Settings = c.Settings is { } own ? EffectiveSettings(own, sequence.Settings) : null,
            Status = EnrollmentStatus.Active,
            Phase = StepPhase.Waiting,
            CurrentStep = startAt,
            DueAt = due,
            Revision = 1,
            EnrolledAt = now,
            Events = events,
            Planned = plan,
        };
        return new NewEnrollment(enrollment, reservation);
    }

    /// <summary>ALREADY_ENROLLED, naming the sequence (and, when known, the enrollment) the contact is active in.</summary>
    public static DomainError AlreadyEnrolled(string contactId, string activeSequenceId, string? activeSequenceName, string? activeEnrollmentId = null) =>
        new(ErrorKind.Conflict, ErrorCodes.AlreadyEnrolled, "The contact is already enrolled in a sequence",
            $"Contact '{contactId}' is active in sequence '{activeSequenceName ?? activeSequenceId}'; a contact can be in one sequence at a time.",
            Extensions: new Dictionary<string, object?> { ["sequenceId"] = activeSequenceId, ["sequenceName"] = activeSequenceName, ["enrollmentId"] = activeEnrollmentId });

    private static DomainError Rule(string code, string title, string detail) => new(ErrorKind.Rule, code, title, detail);
}
