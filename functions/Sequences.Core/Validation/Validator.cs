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
    private readonly HashSet<string> _templateFields = new(StringComparer.Ordinal);

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

    /// <summary>Adds a problem when <paramref name="text"/> is longer than <paramref name="max"/> characters.</summary>
    public void CheckLength(string field, string? text, int max)
    {
        if (text is { Length: var n } && n > max)
        {
            Add(field, $"At most {max} characters.");
        }
    }

    /// <summary>Adds what is wrong with the Liquid template in <paramref name="field"/>, if anything (see <see cref="TemplateEngine.Problems"/>).</summary>
    public void CheckTemplate(string field, string? source)
    {
        foreach (var problem in TemplateEngine.Problems(source))
        {
            Add(field, problem);
            _templateFields.Add(field);
        }
    }

    /// <summary>
    /// <c>INVALID_TEMPLATE</c> (422) when every problem is in a template, so a client can show the
    /// template editor's errors; otherwise <c>VALIDATION_FAILED</c> with all of them.
    /// </summary>
    public DomainError ToError()
    {
        var errors = _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
        return _templateFields.Count == _errors.Count
            ? new DomainError(ErrorKind.Rule, ErrorCodes.InvalidTemplate, "A template is invalid",
                "One or more templates cannot be used; see errors (each names the line).", errors)
            : DomainError.Invalid(errors);
    }

    public static bool IsEmail(string? s)
    {
        if (string.IsNullOrWhiteSpace(s) || s.Length > 254 || s.Trim() != s)
        {
            return false;
        }

        // One plain address: no display name, group, comment or IP literal (a@[127.0.0.1]).
        return MailAddress.TryCreate(s, out var a) && string.Equals(a.Address, s, StringComparison.Ordinal)
            && a.Host.Contains('.', StringComparison.Ordinal) && !a.Host.StartsWith('[');
    }

    private static bool IsNfc(string text)
    {
        try
        {
            return text.IsNormalized(System.Text.NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return false; // an unpaired surrogate
        }
    }

    /// <summary>
    /// Ids go into Table Storage keys and URLs: at most 128 UTF-16 code units, no spaces or control
    /// characters (U+0000–001F, U+007F–009F), none of the key-forbidden <c>/ \ # ?</c>, and no
    /// <c>%</c> (a route's <c>a%2Fb</c> would otherwise smuggle a slash into a key).
    /// </summary>
    public static string? IdProblem(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "An id is required.";
        }

        if (id.Length > 128)
        {
            return "An id is at most 128 characters (UTF-16 code units: an emoji counts as 2).";
        }

        if (id.Any(c => char.IsControl(c) || c is '/' or '\\' or '#' or '?' or '%' || char.IsWhiteSpace(c)))
        {
            return "An id may not contain spaces, control characters or any of / \\ # ? %.";
        }

        if (!IsNfc(id))
        {
            // Two spellings of "Müller" would be two records that look the same: one spelling only.
            return "An id must be Unicode text in normalisation form C (NFC), with no unpaired surrogates.";
        }

        return null;
    }
}

/// <summary>Validates requests and builds domain records from them. Pure.</summary>
public static class Validator
{
    public const int MaxSteps = 50;
    public const int MaxTemplateLength = 100_000;

    /// <summary>Subject and task-title templates: a line, not a page.</summary>
    public const int MaxLineTemplateLength = 1_000;

    /// <summary>Names (of users, contacts, companies).</summary>
    public const int MaxNameLength = 200;

    /// <summary>Items of a short list (mailboxes, shared-with users).</summary>
    public const int MaxListItems = 100;

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

        errors.CheckLength("name", c.Name, MaxNameLength);
        var mailboxes = c.Mailboxes ?? [];
        if (mailboxes.Count > MaxListItems)
        {
            errors.Add("mailboxes", $"At most {MaxListItems} mailboxes.");
        }

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
            now)
        {
            DeliveryIssue = existing?.DeliveryIssue,
        };
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

        errors.CheckLength("firstName", c.FirstName, MaxNameLength);
        errors.CheckLength("lastName", c.LastName, MaxNameLength);
        errors.CheckLength("company", c.Company, MaxNameLength);
        if (c.OwnerUserId is not null)
        {
            errors.CheckId("ownerUserId", c.OwnerUserId, "");
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

        if (StoredJson.Length(c.Properties) is var size && size > StoredJson.ContactPropertiesChars)
        {
            return DomainError.TooLarge("properties", "The contact's properties", size, StoredJson.ContactPropertiesChars);
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
        if (shared.Count > MaxListItems)
        {
            errors.Add("sharedWithUserIds", $"At most {MaxListItems} users.");
        }

        for (var i = 0; i < shared.Count && i < MaxListItems; i++)
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

        if (StoredSize(steps) is var size && size > StoredJson.SequenceStepsChars)
        {
            return DomainError.TooLarge("steps", "The sequence's steps", size, StoredJson.SequenceStepsChars);
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

        var window = c.SendWindow is { } w ? Window(w, "settings.sendWindow", errors) : null;
        return new SequenceSettings(
            c.BusinessDaysOnly ?? true,
            window,
            c.ThreadFollowUps ?? true,
            c.UnenrollSameCompany ?? false);
    }

    /// <summary>A send window (HH:mm to HH:mm, start and end different), or null with errors under <paramref name="path"/>.</summary>
    public static SendWindow? Window(SendWindowCommand w, string path, FieldErrors errors)
    {
        var start = Time(w.Start, $"{path}.start", errors);
        var end = Time(w.End, $"{path}.end", errors);
        if (start is not { } s || end is not { } e)
        {
            return null;
        }

        if (s == e)
        {
            errors.Add(path, "The window's start and end must differ.");
        }

        return new SendWindow(s, e);
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

            Template(c.Subject, $"{path}.subject", MaxLineTemplateLength, errors);
            Template(c.Body, $"{path}.body", MaxTemplateLength, errors);
            Template(c.TaskTitle, $"{path}.taskTitle", MaxLineTemplateLength, errors);

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

    /// <summary>The stored size of the steps: their texts as stored, and a generous allowance for the rest of each step.</summary>
    private static int StoredSize(IReadOnlyList<SequenceStep> steps) =>
        StoredJson.Length(steps.Select(x => new[] { x.Subject, x.Body, x.TaskTitle })) + (steps.Count * 200);

    private static void Template(string? source, string field, int maxLength, FieldErrors errors)
    {
        if (source is null)
        {
            return;
        }

        if (source.Length > maxLength)
        {
            errors.Add(field, $"At most {maxLength} characters.");
            return;
        }

        errors.CheckTemplate(field, source);
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
