using Microsoft.Extensions.Options;
using Sequences.Core.Decisions;
using Sequences.Core.Email;
using Sequences.Core.Errors;
using Sequences.Core.Model;
using Sequences.Core.Ports;
using Sequences.Core.Rendering;
using Sequences.Core.Validation;

namespace Sequences.Core.Engine;

/// <summary>One step as it would go out: an email's subject, HTML and text, or a task's title; or why it cannot be rendered.</summary>
public sealed record StepPreview(int Step, StepType Type, string? Subject, string? Html, string? Text, string? TaskTitle, DomainError? Error);

/// <summary>Each step rendered for one contact, and the tokens without a value (rendered empty).</summary>
public sealed record Preview(IReadOnlyList<StepPreview> Steps, IReadOnlyList<string> MissingTokens);

/// <summary>
/// Renders a sequence for a contact and sender before enrolling, with the same composer that
/// sends (<see cref="EmailComposer"/>): the preview's HTML is the sent HTML but for the
/// unsubscribe link's token. Changes nothing.
/// </summary>
public sealed class PreviewService(
    ISequenceStore sequences, IContactStore contacts, IUserStore users, IOptions<SequencesOptions> options, TimeProvider time)
{
    public async Task<Result<Preview>> PreviewAsync(string sequenceId, EnrollCommand? c, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (EnrollmentRules.ValidateRequest(c, now) is { } invalid)
        {
            return invalid;
        }

        if (FieldErrors.IdProblem(sequenceId) is not null || (await sequences.GetAsync(sequenceId, cancellationToken))?.Value is not { } sequence)
        {
            return DomainError.NotFound(ErrorCodes.SequenceNotFound, "Sequence", sequenceId);
        }

        if ((await contacts.GetAsync(c!.ContactId!, cancellationToken))?.Value is not { } contact)
        {
            return DomainError.NotFound(ErrorCodes.ContactNotFound, "Contact", c.ContactId!);
        }

        if ((await users.GetAsync(c.SenderUserId!, cancellationToken))?.Value is not { } sender)
        {
            return DomainError.NotFound(ErrorCodes.SenderNotFound, "Sender", c.SenderUserId!);
        }

        var startAt = c.StartAtStep ?? 1;
        if (startAt < 1 || startAt > sequence.Steps.Count)
        {
            return DomainError.Invalid("startAtStep", $"startAtStep must be between 1 and {sequence.Steps.Count}.");
        }

        var overrides = EnrollmentRules.EmailOverridesFor(c, sequence);
        if (overrides.Error is { } badOverride)
        {
            return badOverride;
        }

        var tokens = c.Tokens ?? new Dictionary<string, string>();
        var enrollment = new Enrollment
        {
            Id = Ids.Enrollment(sequence.Id, "preview"),
            SequenceId = sequence.Id,
            ContactId = contact.Id,
            SenderUserId = sender.Id,
            FromAddress = c.FromAddress ?? sender.SendableAddresses[0],
            Tokens = tokens,
            EmailOverrides = overrides.Value!,
        };
        var missing = EnrollmentRules.MissingTokens(sequence, startAt, enrollment.EmailOverrides, new Dictionary<int, TaskOverride>(), contact, sender, tokens);
        var addressed = contact with { Email = contact.Email ?? "no-address@example.invalid" };
        // Signed with a throwaway key: the preview's unsubscribe link looks real but unsubscribes no one.
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var steps = new List<StepPreview>();
        for (var n = startAt; n <= sequence.Steps.Count; n++)
        {
            var step = enrollment.Personalised(n, sequence.Steps[n - 1]);
            try
            {
                if (step.IsAutomatedEmail)
                {
                    var email = EmailComposer.Compose(enrollment, sequence, n, addressed, sender, options.Value.PublicBaseUrl ?? new Uri("http://127.0.0.1:7071/"), key, now);
                    enrollment = enrollment.ThreadMessageId is null
                        ? enrollment with { ThreadMessageId = email.MessageId, ThreadSubject = email.Subject }
                        : enrollment;
                    steps.Add(new StepPreview(n, step.Type, email.Subject, email.HtmlBody, email.TextBody, null, null));
                }
                else
                {
                    var model = new TokenModel(addressed, sender, tokens);
                    steps.Add(new StepPreview(n, step.Type,
                        step.Type == StepType.ManualEmail ? TemplateEngine.Render(step.Subject, model, html: false, Rendering.TemplateLimits.MaxLineLength) : null,
                        step.Type == StepType.ManualEmail ? TemplateEngine.Render(EmailContent.BodyAsHtmlSource(step.Body), model, html: true) : null,
                        null,
                        TemplateEngine.Render(step.TaskTitle ?? EnrollmentDecisions.DefaultTaskTitle(step.Type), model, html: false, Rendering.TemplateLimits.MaxLineLength),
                        null));
                }
            }
            catch (TemplateException failure)
            {
                steps.Add(new StepPreview(n, step.Type, null, null, null, null,
                    new DomainError(ErrorKind.Rule, failure.Code, "The step cannot be rendered", failure.Message)));
            }
        }

        return new Preview(steps, missing);
    }
}
