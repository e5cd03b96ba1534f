using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sequences.Core.Email;
using Sequences.Core.Engine;
using Sequences.Core.Model;
using Sequences.Core.Ports;

namespace Sequences.Core.Inbound;

/// <summary>
/// Processes inbound items from the queue: classifies, finds the enrollments concerned, records
/// the news and ends them where it calls for it. Idempotent: an item processed twice changes
/// nothing the second time (a processed mark, and the timeline's own check per event).
/// </summary>
public sealed class InboundService(
    IEnrollmentStore enrollments,
    IContactStore contacts,
    IContactIndex index,
    IUserStore users,
    IInboundLog log,
    ReferenceCache references,
    EnrollmentService service,
    Automation.AutomationService automation,
    TransitionWriter writer,
    IOptions<SequencesOptions> options,
    TimeProvider time,
    ILogger<InboundService> logger)
{
    /// <summary>The most contacts of one company whose enrollments a company reply can end.</summary>
    private const int MaxCompanyContacts = 500;

    public async Task HandleAsync(InboundItem item, CancellationToken cancellationToken)
    {
        var id = item.Kind switch
        {
            InboundItem.EmailKind => $"email|{item.Email!.MessageId}",
            InboundItem.ReportKind => $"report|{item.Report!.EventId}",
            InboundItem.AutomationKind => $"automation|{item.Automation!.EventId}",
            _ => null,
        };
        if (id is not null && await log.IsProcessedAsync(id, cancellationToken))
        {
            logger.InboundDuplicate(id);
            return;
        }

        switch (item.Kind)
        {
            case InboundItem.EmailKind:
                await EmailAsync(item, item.Email!, cancellationToken);
                break;
            case InboundItem.ReportKind:
                await ReportAsync(item, item.Report!, cancellationToken);
                break;
            case InboundItem.MeetingKind:
                await MeetingAsync(item, item.Meeting!, cancellationToken);
                break;
            case InboundItem.AutomationKind:
                await automation.HandleEventAsync(item.Automation!, cancellationToken);
                break;
            default:
                throw new FormatException($"Unknown inbound item kind '{item.Kind}'.");
        }

        if (id is not null)
        {
            await log.MarkProcessedAsync(id, cancellationToken);
        }
    }

    private async Task EmailAsync(InboundItem item, InboundEmail email, CancellationToken ct)
    {
        var kind = InboundClassifier.Classify(email);
        if (MessageAuthentication.Refusal(email, options.Value.InboundAuthentication) is { } refusal)
        {
            // Anyone can write a reply- or bounce-shaped email: one that failed authentication changes nothing.
            logger.InboundEmail(email.MessageId, kind.GetType().Name, false);
            await log.AddUnmatchedAsync(new UnmatchedInbound(email.MessageId, item.ReceivedAt, item.Source, item.Kind, email.From,
                [.. email.To, .. email.Cc], email.Subject, kind.GetType().Name, refusal), ct);
            return;
        }

        var matched = kind switch
        {
            InboundClass.Bounce b => await BounceAsync(email, b, ct),
            InboundClass.DeliveryNotice n => await NoticeAsync(email, n, ct),
            InboundClass.AutoReply a => await AutoReplyAsync(email, a, ct),
            _ => await HumanAsync(email, ct),
        };
        logger.InboundEmail(email.MessageId, kind.GetType().Name, matched);
        if (!matched)
        {
            await log.AddUnmatchedAsync(new UnmatchedInbound(email.MessageId, item.ReceivedAt, item.Source, item.Kind, email.From,
                [.. email.To, .. email.Cc], email.Subject, kind.GetType().Name, "No enrollment matches the message, its sender or its recipients."), ct);
        }
    }

    /// <summary>
    /// A person wrote. A reply to one of our emails ends that enrollment (whoever replied); an email
    /// from an enrolled contact to their sender ends theirs; and either ends the enrollments of the
    /// replier's colleagues in sequences that unenroll a whole company.
    /// </summary>
    private async Task<bool> HumanAsync(InboundEmail email, CancellationToken ct)
    {
        var ended = new HashSet<string>(StringComparer.Ordinal);
        var news = Event(EventTypes.ReplyReceived, email, $"Reply from {email.From}: {email.Subject}");

        if (await OurEnrollmentAsync(email, ct) is { } replied)
        {
            await service.RecordNewsAsync(replied.Id, news, EndReasons.Replied, ct);
            ended.Add(replied.Id);
        }

        var senderContacts = await ContactsWithAsync(email.From, ct);
        foreach (var contact in senderContacts)
        {
            if (await ActiveEnrollmentAsync(contact.Id, ct) is { } active && !ended.Contains(active.Id)
                && await AddressedToSenderAsync(email, active, ct))
            {
                await service.RecordNewsAsync(active.Id, news with { Detail = $"{email.From} emailed the sender: {email.Subject}" }, EndReasons.Replied, ct);
                ended.Add(active.Id);
            }
        }

        // A colleague's reply: only for a reply to our email or a known contact (never a stranger's newsletter).
        // Up to 500 colleagues: looked at a few at a time, and only those in a sequence that asks for it are read.
        if ((ended.Count > 0 || senderContacts.Count > 0) && EmailAddresses.CompanyDomain(email.From) is { } domain)
        {
            var skip = senderContacts.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            var colleagues = (await index.FindByDomainAsync(domain, MaxCompanyContacts, ct)).Where(id => !skip.Contains(id));
            var companyNews = Event(EventTypes.CompanyReplied, email, $"{email.From} at {domain} replied: {email.Subject}");
            var endedByCompany = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(colleagues, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (contactId, token) =>
            {
                if (await ActiveEnrollmentAsync(contactId, companyOnly: true, token) is { } colleague && !ended.Contains(colleague.Id) && endedByCompany.TryAdd(colleague.Id, true))
                {
                    await service.RecordNewsAsync(colleague.Id, companyNews, EndReasons.CompanyReplied, token);
                }
            });
            ended.UnionWith(endedByCompany.Keys);
        }

        return ended.Count > 0;
    }

    /// <summary>An auto-reply is recorded (with the return date, if one can be read) and never ends anything.</summary>
    private async Task<bool> AutoReplyAsync(InboundEmail email, InboundClass.AutoReply auto, CancellationToken ct)
    {
        var target = await OurEnrollmentAsync(email, ct);
        if (target is null)
        {
            foreach (var contact in await ContactsWithAsync(email.From, ct))
            {
                target ??= await ActiveEnrollmentAsync(contact.Id, ct);
            }
        }

        if (target is null)
        {
            return false;
        }

        var back = auto.ReturnDate is { } d ? $" Back on {d:yyyy-MM-dd}." : "";
        var news = Event(EventTypes.AutoReply, email, $"Auto-reply from {email.From} ({auto.Signal}): {email.Subject}.{back}") with
        {
            Reason = auto.ReturnDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        };
        await service.RecordNewsAsync(target.Id, news, null, ct);
        return true;
    }

    /// <summary>
    /// Each failed recipient by its reason (<see cref="BounceReasons"/>): a hard failure suppresses
    /// the address (every contact with it) and ends their enrollments; a soft one is recorded (the
    /// mail system retries) and counts as hard after <see cref="InboundDecisions.SoftBounceLimit"/>
    /// of the same reason; one about our sending is flagged on the sender instead. A report that
    /// does not quote our Message-ID suppresses no one: anyone can send a bounce-shaped email.
    /// </summary>
    private async Task<bool> BounceAsync(InboundEmail email, InboundClass.Bounce bounce, CancellationToken ct)
    {
        var original = await EnrollmentOfMessageAsync(bounce.OriginalMessageId, ct);
        var failures = bounce.Failed
            .Where(f => f.Recipient.Contains('@', StringComparison.Ordinal))
            .Select(f => (f.Recipient, f.Verdict, Detail: $"{f.Recipient} {f.Status} {f.Diagnostic}".Trim()))
            .ToList();
        if (original is not null && await contacts.GetAsync(original.ContactId, ct) is { Value.Email: { } enrolledAddress }
            && !failures.Any(f => EmailAddresses.SameMailbox(f.Recipient, enrolledAddress)) && bounce.Failed.Count > 0)
        {
            // The report names an address we did not send to (a forwarder's): it is about the enrolled one.
            var worst = bounce.Failed.FirstOrDefault(f => f.Verdict.Hard) ?? bounce.Failed[0];
            failures.Add((enrolledAddress, worst.Verdict, $"{worst.Recipient} {worst.Status} {worst.Diagnostic}".Trim()));
        }

        var matched = false;
        foreach (var failure in failures.DistinctBy(f => f.Recipient, StringComparer.OrdinalIgnoreCase))
        {
            matched |= await DeliveryFailedAsync(failure.Recipient, failure.Verdict, email.MessageId, failure.Detail, original, actOn: original is not null, ct);
        }

        return matched;
    }

    private async Task<bool> NoticeAsync(InboundEmail email, InboundClass.DeliveryNotice notice, CancellationToken ct)
    {
        if (await EnrollmentOfMessageAsync(notice.OriginalMessageId, ct) is not { } e)
        {
            return false;
        }

        var detail = string.Join("; ", notice.Statuses.Select(s => $"{s.Recipient} {s.Action} {s.Status} {s.Diagnostic}".Trim()));
        await service.RecordNewsAsync(e.Id, Event(EventTypes.DeliveryDelayed, email, detail), null, ct);
        return true;
    }

    /// <summary>
    /// ACS says Bounced for what it counts as a hard bounce and Suppressed for an address on its
    /// suppression list; the recipient server's words, when ACS passes them on, say why, and they
    /// decide as they do for any bounce. Without them the address is taken as bad, as ACS says.
    /// </summary>
    private static BounceVerdict AcsVerdict(DeliveryReportEvent report) =>
        report.Status == "Bounced" && BounceReasons.Classify(null, report.Detail) is { Reason: not BounceReason.Undetermined } verdict
            ? verdict
            : new BounceVerdict(report.Status == "Suppressed" ? BounceReason.NotAccepting : BounceReason.UserUnknown, Permanent: true);

    /// <summary>An ACS delivery report: Bounced/Suppressed by their reason (<see cref="AcsVerdict"/>); Failed (and spam filtering) is recorded for review.</summary>
    private async Task ReportAsync(InboundItem item, DeliveryReportEvent report, CancellationToken ct)
    {
        var detail = $"{report.Status}: {report.Detail}".TrimEnd(' ', ':');
        var matched = report.Status switch
        {
            "Delivered" or "Expanded" => true,
            "Bounced" or "Suppressed" => await DeliveryFailedAsync(report.Recipient, AcsVerdict(report), report.EventId, detail, null, actOn: true, ct),
            _ => await RecordOnRecipientAsync(report.Recipient, new TimelineEvent(EventTypes.DeliveryFailed, time.GetUtcNow(), MessageId: report.EventId,
                Reason: report.Status, Detail: $"Delivery to {report.Recipient} {detail}; review the address."), ct),
        };
        if (!matched)
        {
            await log.AddUnmatchedAsync(new UnmatchedInbound(report.EventId, item.ReceivedAt, item.Source, item.Kind, report.Sender,
                [report.Recipient], null, report.Status, "No contact has the recipient's address."), ct);
        }
    }

    /// <summary>A meeting with the user who enrolled the contact ends the enrollment; with anyone else it is only recorded.</summary>
    private async Task MeetingAsync(InboundItem item, MeetingBooked meeting, CancellationToken ct)
    {
        var candidates = meeting.ContactId is { } id
            ? (await contacts.GetAsync(id, ct)) is { } c ? [c.Value] : []
            : await ContactsWithAsync(meeting.Email!, ct);
        var inboundId = $"meeting|{meeting.ContactId ?? meeting.Email}|{meeting.UserId}|{meeting.BookedAt?.ToUnixTimeSeconds()}";
        var matched = false;
        foreach (var contact in candidates)
        {
            if (await ActiveEnrollmentAsync(contact.Id, ct) is not { } e)
            {
                continue;
            }

            var withSender = string.Equals(e.SenderUserId, meeting.UserId, StringComparison.Ordinal);
            var news = new TimelineEvent(EventTypes.MeetingBooked, meeting.BookedAt ?? time.GetUtcNow(), e.CurrentStep, MessageId: inboundId,
                Detail: withSender ? $"Meeting booked with {meeting.UserId}." : $"Meeting booked with {meeting.UserId}, not the sender; the sequence goes on.");
            await service.RecordNewsAsync(e.Id, news, withSender ? EndReasons.MeetingBooked : null, ct);
            matched = true;
        }

        if (!matched)
        {
            await log.AddUnmatchedAsync(new UnmatchedInbound(inboundId, item.ReceivedAt, item.Source, item.Kind, meeting.Email ?? meeting.ContactId,
                [meeting.UserId], null, "meeting", candidates.Count == 0 ? "No contact matches." : "The contact has no active enrollment."), ct);
        }
    }

    private async Task<bool> DeliveryFailedAsync(
        string recipient, BounceVerdict verdict, string inboundId, string detail, Enrollment? original, bool actOn, CancellationToken ct)
    {
        var matched = false;
        var contactsAtAddress = await ContactsWithAsync(recipient, ct);
        if (original is not null && contactsAtAddress.All(c => c.Id != original.ContactId) && await contacts.GetAsync(original.ContactId, ct) is { } oc
            && oc.Value.Email is { } oe && EmailAddresses.SameMailbox(oe, recipient))
        {
            contactsAtAddress = [.. contactsAtAddress, oc.Value];
        }

        foreach (var contact in contactsAtAddress)
        {
            var active = await ActiveEnrollmentAsync(contact.Id, ct);
            var target = active ?? (original?.ContactId == contact.Id ? original : null);
            var escalate = actOn && !verdict.Hard && target is not null && InboundDecisions.SoftBouncesExhausted(target, verdict);
            var suppress = actOn && (verdict.Hard || escalate);
            if (suppress)
            {
                // Suppress the address first: it holds even if the enrollment write below loses a race.
                var now = time.GetUtcNow();
                await writer.UpdateContactAsync(contact.Id, c => c.Bounced ? null : c with { Bounced = true, UpdatedAt = now }, ct);
                references.Invalidate(contact);
            }

            if (target is not null)
            {
                await RecordFailureAsync(target, verdict, inboundId, detail, actOn, escalate, suppress, ct);
            }

            matched = true;
        }

        return matched;
    }

    private async Task RecordFailureAsync(
        Enrollment target, BounceVerdict verdict, string inboundId, string detail, bool actOn, bool escalate, bool suppress, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (type, text) = (actOn, verdict.AboutSender, escalate, suppress) switch
        {
            (false, _, _, _) => (EventTypes.DeliveryFailed, $"A bounce that does not quote our Message-ID: recorded for review, not acted on. {detail}"),
            (_, true, _, _) => (EventTypes.SoftBounce, $"Refused because of how we send, not the address: the sender should review it. {detail}"),
            (_, _, true, _) => (EventTypes.Bounced, $"Soft bounce number {InboundDecisions.SoftBounceLimit} for {verdict.Code}: treated as permanent. {detail}"),
            (_, _, _, true) => (EventTypes.Bounced, detail),
            _ => (EventTypes.SoftBounce, detail),
        };
        await service.RecordNewsAsync(target.Id, new TimelineEvent(type, now, target.CurrentStep, MessageId: inboundId, Reason: verdict.Code, Detail: text),
            suppress ? EndReasons.Bounced : null, ct);
        if (actOn && verdict.AboutSender)
        {
            await writer.UpdateUserAsync(target.SenderUserId, u => u with { DeliveryIssue = new DeliveryIssue(verdict.Code, now, target.Id, detail) }, ct);
        }
    }

    private async Task<bool> RecordOnRecipientAsync(string recipient, TimelineEvent news, CancellationToken ct)
    {
        var matched = false;
        foreach (var contact in await ContactsWithAsync(recipient, ct))
        {
            if (await ActiveEnrollmentAsync(contact.Id, ct) is { } e)
            {
                await service.RecordNewsAsync(e.Id, news, null, ct);
            }

            matched = true;
        }

        return matched;
    }

    /// <summary>The enrollment whose email this one replies to, from In-Reply-To or References (newest first).</summary>
    private async Task<Enrollment?> OurEnrollmentAsync(InboundEmail email, CancellationToken ct)
    {
        foreach (var id in new[] { email.InReplyTo }.Concat(email.References.Reverse()))
        {
            if (await EnrollmentOfMessageAsync(id, ct) is { } e)
            {
                return e;
            }
        }

        return null;
    }

    private async Task<Enrollment?> EnrollmentOfMessageAsync(string? messageId, CancellationToken ct) =>
        MessageIds.TryParse(messageId, out var enrollmentId, out _) ? (await enrollments.GetAsync(enrollmentId, ct))?.Value : null;

    /// <summary>Contacts whose address is this one (aliases included), checked against the contact itself.</summary>
    private async Task<IReadOnlyList<Contact>> ContactsWithAsync(string address, CancellationToken ct)
    {
        var found = new List<Contact>();
        foreach (var id in await index.FindByEmailAsync(address, ct))
        {
            if (await contacts.GetAsync(id, ct) is { Value: { Email: { } email } contact } && EmailAddresses.SameMailbox(email, address))
            {
                found.Add(contact);
            }
        }

        return found;
    }

    private Task<Enrollment?> ActiveEnrollmentAsync(string contactId, CancellationToken ct) => ActiveEnrollmentAsync(contactId, companyOnly: false, ct);

    /// <summary>
    /// The contact's active enrollment; with <paramref name="companyOnly"/>, only if its sequence
    /// unenrolls a whole company on a reply (sequences are cached: most colleagues are read no further).
    /// </summary>
    private async Task<Enrollment?> ActiveEnrollmentAsync(string contactId, bool companyOnly, CancellationToken ct)
    {
        if (await contacts.GetActiveEnrollmentAsync(contactId, ct) is not { } pointer
            || (companyOnly && await references.SequenceAsync(pointer.Value.SequenceId, ct) is not { Settings.UnenrollSameCompany: true }))
        {
            return null;
        }

        var e = (await enrollments.GetAsync(pointer.Value.SequenceId, pointer.Value.EnrollmentId, ct))?.Value;
        return e is { IsEnded: false } ? e : null;
    }

    /// <summary>Whether the email went to the enrollment's sender (any of the user's addresses).</summary>
    private async Task<bool> AddressedToSenderAsync(InboundEmail email, Enrollment e, CancellationToken ct)
    {
        if (await users.GetAsync(e.SenderUserId, ct) is not { } sender)
        {
            return false;
        }

        var addresses = sender.Value.SendableAddresses.Append(sender.Value.Email).Append(e.FromAddress);
        return email.To.Concat(email.Cc).Any(r => addresses.Any(a => EmailAddresses.SameMailbox(a, r)));
    }

    private TimelineEvent Event(string type, InboundEmail email, string detail) =>
        new(type, email.Date ?? time.GetUtcNow(), MessageId: email.MessageId, Subject: email.Subject, Detail: detail);
}
