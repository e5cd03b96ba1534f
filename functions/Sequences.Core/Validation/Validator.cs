using System.Globalization;
using System.Net.Mail;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Rendering;
using Sequences.Core.Scheduling;

namespace Sequences.Core.Validation;

/// <summary>Collects field errors keyed by JSON path (<c>steps[1].delay</c>).</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>Adds <paramref name="field"/>'s problem with <paramref name="id"/>: <paramref name="whenMissing"/> when it is absent, else what <see cref="IdProblem"/> finds.</summary>
    public void CheckId(string field, string? id, string whenMissing)
    {
        if (IdProblem(id) is { } problem)
        {
            Add(field, id is null ? whenMissing : problem);
        }
    }

    public DomainError ToError() => DomainError.Invalid(_errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal));

    public static bool IsEmail(string? s)
    {
        if (string.IsNullOrWhiteSpace(s) || s.Length > 254 || s.Trim() != s)
        {
            return false;
        }

        return MailAddress.TryCreate(s, out var a) && string.Equals(a.Address, s, StringComparison.Ordinal) && a.Host.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>Ids go into storage keys and URLs: printable, no '/', '\', '#', '?'.</summary>
    public static string? IdProblem(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "An id is required.";
        }

        if (id.Length > 128)
        {
            return "An id is at most 128 characters.";
        }

        if (id.Any(c => char.IsControl(c) || c is '/' or '\\' or '#' or '?' || char.IsWhiteSpace(c)))
        {
            return "An id may not contain spaces, control characters or any of / \\ # ?.";
        }

        return null;
    }
}

/// <summary>Validates requests and builds domain records from them. Pure.</summary>
public static class Validator
{
    public const int MaxSteps = 50;
    public const int MaxTemplateLength = 100_000;

    public static Result<User> User(string userId, UserCommand? c, User? existing, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (FieldErrors.IdProblem(userId) is { } idProblem)
        {
            errors.Add("userId", idProblem);
        }

        if (c is null)
        {
            errors.Add("$", "A JSON body is required.");
            return errors.ToError();
        }

        if (!FieldErrors.IsEmail(c.Email))
        {
            errors.Add("email", c.Email is null ? "An email address is required." : $"'{c.Email}' is not an email address.");
        }

        if (string.IsNullOrWhiteSpace(c.Name))
        {
            errors.Add("name", "A name is required.");
        }

        var mailboxes = c.Mailboxes ?? [];
        for (var i = 0; i < mailboxes.Count; i++)
        {
            if (!FieldErrors.IsEmail(mailboxes[i]))
            {
                errors.Add($"mailboxes[{i}]", $"'{mailboxes[i]}' is not an email address.");
            }
        }

        if (c.DailySendLimit is < 0 or > 100_000)
        {
            errors.Add("dailySendLimit", "The daily send limit must be between 0 and 100000.");
        }

        if (c.TimeZone is not null && !TimeZones.TryFind(c.TimeZone, out _))
        {
            errors.Add("timeZone", $"'{c.TimeZone}' is not an IANA time zone such as America/New_York.");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        return new User(
            userId,
            c.Email!,
            c.Name!.Trim(),
            mailboxes.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            c.DailySendLimit ?? Model.User.DefaultDailySendLimit,
            c.TimeZone,
            c.Active ?? true,
            existing?.CreatedAt ?? now,
            now);
    }

    public static Result<Contact> Contact(string contactId, ContactCommand? c, Contact? existing, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (FieldErrors.IdProblem(contactId) is { } idProblem)
        {
            errors.Add("contactId", idProblem);
        }

        if (c is null)
        {
            errors.Add("$", "A JSON body is required.");
            return errors.ToError();
        }

        if (c.Email is not null && !FieldErrors.IsEmail(c.Email))
        {
            errors.Add("email", $"'{c.Email}' is not an email address.");
        }

        foreach (var (name, value) in c.Properties ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || name.Contains('.', StringComparison.Ordinal))
            {
                errors.Add($"properties.{name}", "Property names are 1–100 characters without dots.");
            }
            else if (value is null)
            {
                errors.Add($"properties.{name}", "Property values are strings; null is not allowed.");
            }
            else if (value.Length > 4000)
            {
                errors.Add($"properties.{name}", "Property values are at most 4000 characters.");
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        return new Contact(
            contactId,
            c.Email,
            Trim(c.FirstName),
            Trim(c.LastName),
            Trim(c.Company),
            Trim(c.OwnerUserId),
            new Dictionary<string, string>(c.Properties ?? new Dictionary<string, string>(), StringComparer.Ordinal),
            existing?.Bounced ?? false,
            existing?.Unsubscribed ?? false,
            existing?.CreatedAt ?? now,
            now);
    }

    public static Result<Sequence> Sequence(string id, SequenceCommand? c, Sequence? existing, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (c is null)
        {
            errors.Add("$", "A JSON body is required.");
            return errors.ToError();
        }

        if (string.IsNullOrWhiteSpace(c.Name))
        {
            errors.Add("name", "A name is required.");
        }
        else if (c.Name.Length > 200)
        {
            errors.Add("name", "A name is at most 200 characters.");
        }

        errors.CheckId("ownerUserId", c.OwnerUserId, "The owning user's id is required.");

        var shared = c.SharedWithUserIds ?? [];
        for (var i = 0; i < shared.Count; i++)
        {
            if (FieldErrors.IdProblem(shared[i]) is { } p)
            {
                errors.Add($"sharedWithUserIds[{i}]", p);
            }
        }

        var settings = Settings(c.Settings, errors);
        var steps = Steps(c.Steps, settings, errors);

        if (errors.Any)
        {
            return errors.ToError();
        }

        return new Sequence(
            id,
            c.Name!.Trim(),
            c.OwnerUserId!,
            shared.Distinct(StringComparer.Ordinal).ToList(),
            c.SharedWithEveryone ?? false,
            settings,
            steps,
            (existing?.Version ?? 0) + 1,
            existing?.CreatedAt ?? now,
            now,
            existing?.DeletedAt);
    }

    private static SequenceSettings Settings(SettingsCommand? c, FieldErrors errors)
    {
        if (c is null)
        {
            return SequenceSettings.Default;
        }

        SendWindow? window = null;
        if (c.SendWindow is { } w)
        {
            var start = Time(w.Start, "settings.sendWindow.start", errors);
            var end = Time(w.End, "settings.sendWindow.end", errors);
            if (start is { } s && end is { } e)
            {
                if (s == e)
                {
                    errors.Add("settings.sendWindow", "The window's start and end must differ.");
                }

                window = new SendWindow(s, e);
            }
        }

        return new SequenceSettings(
            c.BusinessDaysOnly ?? true,
            window,
            c.ThreadFollowUps ?? true,
            c.UnenrollSameCompany ?? false);
    }

    private static TimeOnly? Time(string? text, string field, FieldErrors errors)
    {
        if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return t;
        }

        errors.Add(field, $"'{text}' is not a time of day as HH:mm (24-hour).");
        return null;
    }

    private static List<SequenceStep> Steps(IReadOnlyList<StepCommand>? commands, SequenceSettings settings, FieldErrors errors)
    {
        var steps = new List<SequenceStep>();
        if (commands is null || commands.Count == 0)
        {
            errors.Add("steps", "A sequence needs at least one step.");
            return steps;
        }

        if (commands.Count > MaxSteps)
        {
            errors.Add("steps", $"A sequence has at most {MaxSteps} steps.");
            return steps;
        }

        var firstEmailSeen = false;
        for (var i = 0; i < commands.Count; i++)
        {
            var c = commands[i];
            var path = $"steps[{i}]";
            if (c is null)
            {
                errors.Add(path, "A step is required.");
                continue;
            }

            var type = StepTypes.Parse(c.Type);
            if (type is null)
            {
                errors.Add($"{path}.type", c.Type is null
                    ? $"A step type is required: one of {StepTypes.AllNames}."
                    : $"'{c.Type}' is not a step type; use one of {StepTypes.AllNames}.");
            }

            if (!StepDelay.TryParse(c.Delay, out var delay, out var delayError))
            {
                errors.Add($"{path}.delay", delayError);
            }

            Template(c.Subject, $"{path}.subject", errors);
            Template(c.Body, $"{path}.body", errors);
            Template(c.TaskTitle, $"{path}.taskTitle", errors);

            if (type == StepType.AutomatedEmail)
            {
                if (string.IsNullOrWhiteSpace(c.Body))
                {
                    errors.Add($"{path}.body", "An automated email needs a body.");
                }

                var needsSubject = !firstEmailSeen || !settings.ThreadFollowUps;
                if (needsSubject && string.IsNullOrWhiteSpace(c.Subject))
                {
                    errors.Add($"{path}.subject", firstEmailSeen
                        ? "Follow-up emails need a subject when settings.threadFollowUps is false."
                        : "The first automated email needs a subject.");
                }

                if (c.ContinueWithoutCompleting is not null)
                {
                    errors.Add($"{path}.continueWithoutCompleting", "Only task-creating steps wait for completion.");
                }

                firstEmailSeen = true;
            }

            if (type is { } t)
            {
                steps.Add(new SequenceStep(t, delay, Blank(c.Subject), Blank(c.Body), Blank(c.TaskTitle), c.ContinueWithoutCompleting ?? false));
            }
        }

        return steps;
    }

    private static void Template(string? source, string field, FieldErrors errors)
    {
        if (source is null)
        {
            return;
        }

        if (source.Length > MaxTemplateLength)
        {
            errors.Add(field, $"At most {MaxTemplateLength} characters.");
            return;
        }

        if (!TemplateEngine.TryParse(source, out _, out var error))
        {
            errors.Add(field, error);
        }
    }

    private static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>Step type names as the API spells them.</summary>
public static class StepTypes
{
    private static readonly Dictionary<string, StepType> ByName = new(StringComparer.Ordinal)
    {
        ["automatedEmail"] = StepType.AutomatedEmail,
        ["manualEmail"] = StepType.ManualEmail,
        ["call"] = StepType.Call,
        ["linkedIn"] = StepType.LinkedIn,
        ["task"] = StepType.Task,
    };

    public static string AllNames { get; } = string.Join(", ", ByName.Keys);

    public static StepType? Parse(string? name) => name is not null && ByName.TryGetValue(name, out var t) ? t : null;

    public static string Name(StepType type) => ByName.First(kv => kv.Value == type).Key;
}
