using Sequences.Core.Errors;
using Sequences.Core.Validation;

namespace Sequences.Core.Automation;

public sealed record TriggerCommand(string? Type, string? FormId = null, string? Url = null, string? Match = null);

public sealed record SenderCommand(string? Type, string? UserId = null, string? Property = null);

public sealed record RuleCommand(TriggerCommand? Trigger, string? Action, SenderCommand? Sender = null, int? DelayMinutes = null, bool? Enabled = null);

public sealed record FormSubmissionCommand(
    string? FormId, string? ContactId = null, string? Email = null, IReadOnlyDictionary<string, string>? Fields = null, DateTimeOffset? SubmittedAt = null, string? EventId = null);

public sealed record PageViewCommand(string? Url, string? ContactId = null, string? Email = null, DateTimeOffset? ViewedAt = null, string? EventId = null);

public sealed record WorkflowCommand(string? SequenceId, string? ContactId, string? SenderUserId = null);

/// <summary>Checks rule requests and builds rules. Pure.</summary>
public static class RuleValidation
{
    public static Result<AutomationRule> Build(string id, string sequenceId, RuleCommand? c, AutomationRule? existing, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (c is null)
        {
            errors.Add("$", "A JSON body is required.");
            return errors.ToError();
        }

        var trigger = Trigger(c.Trigger, errors);
        var action = c.Action;
        if (action is not (AutomationRule.Enroll or AutomationRule.Unenroll))
        {
            errors.Add("action", $"The action is 'enroll' or 'unenroll'{(action is null ? "" : $", not '{action}'")}.");
        }

        var delay = c.DelayMinutes ?? 0;
        if (action == AutomationRule.Unenroll && delay != 0)
        {
            errors.Add("delayMinutes", "Only enroll rules wait; an unenroll happens at once.");
        }
        else if (delay is < 0 or > AutomationRule.MaxDelayMinutes)
        {
            errors.Add("delayMinutes", $"delayMinutes is between 0 and {AutomationRule.MaxDelayMinutes} (a week).");
        }

        var sender = Sender(c.Sender, action == AutomationRule.Enroll, errors);
        if (errors.Any)
        {
            return errors.ToError();
        }

        return new AutomationRule(id, sequenceId, trigger!, action!, delay, sender, c.Enabled ?? existing?.Enabled ?? true, existing?.CreatedAt ?? now, now);
    }

    private static RuleTrigger? Trigger(TriggerCommand? t, FieldErrors errors)
    {
        if (t is null)
        {
            errors.Add("trigger", "A trigger is required: {\"type\": \"formSubmission\", \"formId\"?} or {\"type\": \"pageView\", \"url\", \"match\"}.");
            return null;
        }

        switch (t.Type)
        {
            case RuleTrigger.FormSubmission:
                if (t.Url is not null || t.Match is not null)
                {
                    errors.Add("trigger", "A formSubmission trigger takes formId only.");
                }

                return new RuleTrigger(RuleTrigger.FormSubmission, string.IsNullOrWhiteSpace(t.FormId) ? null : t.FormId.Trim());
            case RuleTrigger.PageView:
                var match = t.Match ?? RuleTrigger.MatchEquals;
                if (match is not (RuleTrigger.MatchEquals or RuleTrigger.MatchContains))
                {
                    errors.Add("trigger.match", $"match is 'equals' or 'contains', not '{match}'.");
                }

                if (string.IsNullOrWhiteSpace(t.Url))
                {
                    errors.Add("trigger.url", "A pageView trigger needs the url to watch.");
                }
                else if (match == RuleTrigger.MatchEquals && !(Uri.TryCreate(t.Url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
                {
                    errors.Add("trigger.url", $"'{t.Url}' is not an absolute http(s) URL; use match 'contains' to match part of a URL.");
                }

                return new RuleTrigger(RuleTrigger.PageView, null, t.Url?.Trim(), match);
            default:
                errors.Add("trigger.type", $"The trigger type is 'formSubmission' or 'pageView'{(t.Type is null ? "" : $", not '{t.Type}'")}.");
                return null;
        }
    }

    private static RuleSender Sender(SenderCommand? s, bool required, FieldErrors errors)
    {
        if (s is null)
        {
            if (required)
            {
                errors.Add("sender", "An enroll rule needs a sender: {\"type\": \"user\", \"userId\"} or {\"type\": \"contactOwner\", \"property\"?}.");
            }

            return new RuleSender(RuleSender.ContactOwner);
        }

        switch (s.Type)
        {
            case RuleSender.User:
                errors.CheckId("sender.userId", s.UserId, "A user sender needs userId.");

                return new RuleSender(RuleSender.User, s.UserId);
            case RuleSender.ContactOwner:
                if (s.Property is { } p && (string.IsNullOrWhiteSpace(p) || p.Length > 100))
                {
                    errors.Add("sender.property", "The owner property is the name of a contact property (1–100 characters).");
                }

                return new RuleSender(RuleSender.ContactOwner, null, s.Property ?? RuleSender.DefaultOwnerProperty);
            default:
                errors.Add("sender.type", $"The sender type is 'user' or 'contactOwner'{(s.Type is null ? "" : $", not '{s.Type}'")}.");
                return new RuleSender(RuleSender.ContactOwner);
        }
    }
}
