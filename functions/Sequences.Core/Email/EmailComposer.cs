using System.Net;
using Sequences.Core.Model;
using Sequences.Core.Rendering;

namespace Sequences.Core.Email;

/// <summary>Renders one automated-email step for one enrollment. Pure.</summary>
public static class EmailComposer
{
    public static OutgoingEmail Compose(
        Enrollment enrollment,
        Sequence sequence,
        int stepNumber,
        Contact contact,
        User sender,
        Uri publicBaseUrl,
        ReadOnlySpan<byte> unsubscribeSecret,
        DateTimeOffset now)
    {
        var step = enrollment.Personalised(stepNumber, sequence.StepAt(stepNumber) ?? throw new ArgumentOutOfRangeException(nameof(stepNumber)));
        var from = new EmailAddress(enrollment.FromAddress, HeaderText.Name(sender.Name));
        var to = new EmailAddress(contact.Email ?? throw new InvalidOperationException("The contact has no email address."), HeaderText.Name(contact.FullName));

        var token = UnsubscribeToken.Create(unsubscribeSecret, contact.Id, enrollment.Id, to.Address);
        var unsubscribeUrl = new Uri(publicBaseUrl, $"unsubscribe/{token}").AbsoluteUri;
        var model = new TokenModel(contact, sender, enrollment.Tokens, new Dictionary<string, string> { ["unsubscribeUrl"] = unsubscribeUrl });

        var (subject, inReplyTo, references) = Threading(enrollment, sequence, step, model);

        var htmlSource = EmailContent.BodyAsHtmlSource(step.Body);
        var renderedHtml = TemplateEngine.Render(htmlSource, model, html: true);
        if (Links.FirstUnsafe(renderedHtml) is { } unsafeLink)
        {
            throw new TemplateException(Errors.ErrorCodes.TemplateRenderFailed,
                $"A link in the body is not http, https, mailto or tel: '{(unsafeLink.Length > 60 ? unsafeLink[..60] + "…" : unsafeLink)}'.");
        }
        var link = WebUtility.HtmlEncode(unsubscribeUrl);
        var html =
            "<!DOCTYPE html><html><body>\n" + renderedHtml +
            $"\n<p style=\"font-size:12px;color:#777\">If you would rather not hear from me, <a href=\"{link}\">unsubscribe</a>.</p>\n" +
            "</body></html>\n";
        var text = EmailContent.HtmlToText(renderedHtml) + $"\n--\nIf you would rather not hear from me, unsubscribe: {unsubscribeUrl}\n";

        return new OutgoingEmail(
            MessageIds.IdempotencyKey(enrollment.Id, stepNumber),
            MessageIds.For(enrollment.Id, stepNumber, from.Domain),
            from,
            to,
            subject,
            html,
            text,
            inReplyTo,
            references,
            unsubscribeUrl,
            now)
        {
            Headers = new Dictionary<string, string>
            {
                ["X-Sequences-Enrollment"] = enrollment.Id,
                ["X-Sequences-Step"] = stepNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>
    /// A follow-up without a subject of its own replies in the first email's thread ("Re:",
    /// In-Reply-To, References) when the sequence threads follow-ups; otherwise it starts a thread.
    /// </summary>
    private static (string Subject, string? InReplyTo, IReadOnlyList<string> References) Threading(
        Enrollment enrollment, Sequence sequence, SequenceStep step, TokenModel model)
    {
        var own = HeaderText.Clean(TemplateEngine.Render(step.Subject, model, html: false, TemplateLimits.MaxLineLength));
        if (!string.IsNullOrWhiteSpace(own))
        {
            return (own, null, []);
        }

        if (enrollment.SettingsIn(sequence).ThreadFollowUps && enrollment.ThreadMessageId is { } thread && enrollment.ThreadSubject is { } first)
        {
            var subject = first.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? first : $"Re: {first}";
            return (subject, thread, [thread]);
        }

        return (enrollment.ThreadSubject ?? "(no subject)", null, []);
    }
}
