using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sequences.Core.Inbound;

/// <summary>
/// Decides how a received email reads: a bounce, another delivery notice, an auto-reply or a
/// person's reply. Pure and deterministic (no clock, no culture of the machine), so every rule is
/// pinned by a table of examples.
/// </summary>
/// <remarks>
/// The order matters and is the order of trust: a delivery status report (RFC 3464) says exactly
/// what happened; a mail daemon's plain-text notice is next best; then the auto-reply headers
/// (RFC 3834 and the vendors'), the auto-reply subjects, the null return path; the body is read
/// last and only when it unmistakably reads as an out-of-office notice, because a reply mistaken
/// for an auto-reply keeps mailing a person who answered — the worse of the two mistakes.
/// </remarks>
public static partial class InboundClassifier
{
    /// <summary>Mailboxes whose messages are the mail system's, not a person's (RFC 5321 §4.5.1, RFC 2142).</summary>
    private static readonly HashSet<string> DaemonMailboxes = new(StringComparer.OrdinalIgnoreCase)
    {
        "mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mail.delivery.system", "mail-delivery-system", "maildeliverysystem",
    };

    /// <summary>Headers whose mere presence marks an auto-responder (no standard value to check).</summary>
    private static readonly string[] AutoReplyHeaders =
    [
        "x-autoreply", "x-autorespond", "x-autoresponder", "x-ms-exchange-inbox-rules-loop",
    ];

    /// <summary>Parts of shared mailbox names that are no one's name.</summary>
    private static readonly HashSet<string> RoleMailboxes = new(StringComparer.OrdinalIgnoreCase)
    {
        "info", "sales", "team", "hello", "contact", "support", "office", "admin", "mail", "noreply", "reply", "inbox", "service",
    };

    private static readonly HashSet<string> AutoPrecedence = new(StringComparer.OrdinalIgnoreCase)
    {
        "auto_reply", "auto-reply", "bulk", "junk",
    };

    /// <summary>Classifies <paramref name="email"/>. Never throws on odd content: what cannot be read is ignored.</summary>
    /// <remarks>
    /// <see cref="InboundClass.AutoReply.Signal"/> is one of <c>header:auto-submitted</c>,
    /// <c>header:x-autoreply</c>, <c>header:x-autorespond</c>, <c>header:x-autoresponder</c>,
    /// <c>header:x-ms-exchange-inbox-rules-loop</c>, <c>header:precedence</c>, <c>header:content-type</c>
    /// (a non-delivery report such as a read receipt), <c>header:x-auto-response-suppress</c> (with an
    /// auto-reply subject), <c>subject</c>, <c>header:return-path</c> (the null path) or <c>body</c>.
    /// A report without the returned message's id falls back to In-Reply-To/References for
    /// <c>OriginalMessageId</c>, as plain-text bounces do (then to a quoted Message-ID line).
    /// </remarks>
    public static InboundClass Classify(InboundEmail email)
    {
        ArgumentNullException.ThrowIfNull(email);

        if (email.Report is { } report)
        {
            var afterData = AfterData().IsMatch(email.TextSnippet);
            var statuses = report.Recipients.Select(r => r with { AfterData = afterData }).ToList();
            return FromReport(report with { Recipients = statuses }, report.OriginalMessageId ?? ThreadParent(email));
        }

        if (PlainBounce(email) is { } bounce)
        {
            return bounce;
        }

        var body = Unquoted(email.TextSnippet);
        var signal = HeaderSignal(email) ?? SubjectSignal(email) ?? ReturnPathSignal(email) ?? BodySignal(body, email);
        if (signal is null)
        {
            return new InboundClass.Human();
        }

        // The subject can carry the date too ("Out of office until 12 March").
        return new InboundClass.AutoReply(signal, ReturnDate(email.Subject + "\n" + body, email.Date));
    }

    // ---------------------------------------------------------------- delivery reports

    private static InboundClass FromReport(DeliveryReport report, string? originalMessageId)
    {
        var failed = report.Recipients.Where(r => r.Action.Trim().Equals("failed", StringComparison.OrdinalIgnoreCase)).ToList();
        return failed.Count == 0
            ? new InboundClass.DeliveryNotice(report.Recipients, originalMessageId)
            : new InboundClass.Bounce(failed.Any(f => f.Verdict.Hard), failed, originalMessageId);
    }

    // ---------------------------------------------------------------- plain-text bounces

    /// <summary>
    /// Some servers bounce with a plain message instead of a DSN. Only a mail daemon's message is
    /// read this way (a person's "your mail could not be delivered" joke stays a reply), and it must
    /// say it is a failure notice in its subject or its text.
    /// </summary>
    private static InboundClass? PlainBounce(InboundEmail email)
    {
        // "From: MAILER-DAEMON <>" has no address: its name says who wrote it.
        var local = (email.From.Length > 0 ? email.From : email.FromName ?? email.Header("from") ?? "").Split('@', '<')[0].Trim().Trim('"');
        if (!DaemonMailboxes.Contains(local))
        {
            return null;
        }

        var text = email.TextSnippet;
        var delayed = DelaySubject().IsMatch(email.Subject);
        if (!delayed && !FailureSubject().IsMatch(email.Subject) && !FailureWording().IsMatch(text))
        {
            return null;
        }

        var code = EnhancedStatus().Match(text);
        var status = new DeliveryStatus(
            FailedRecipient(email, text) ?? "",
            delayed ? "delayed" : "failed",
            code.Success ? code.Value : "",
            DiagnosticLine(text, code))
        {
            Notice = NoticeText(text),
            AfterData = AfterData().IsMatch(NoticeText(text)),
        };
        var original = ThreadParent(email) ?? QuotedMessageId(text);
        if (delayed)
        {
            return new InboundClass.DeliveryNotice([status], original);
        }

        return new InboundClass.Bounce(status.Verdict.Hard, [status], original);
    }

    /// <summary>
    /// The mail system's own words: the text above the returned message (whose headers and body,
    /// our own email, must not be read as the reason), at most 4,000 characters.
    /// </summary>
    private static string NoticeText(string text)
    {
        var end = ReturnedMessageStart().Match(text) is { Success: true } m ? m.Index : text.Length;
        return text[..Math.Min(end, 4000)];
    }

    /// <summary>
    /// The address that failed: Exim's X-Failed-Recipients header, else where bounce texts name it
    /// ("Final-Recipient: rfc822; x", Postfix's "&lt;x&gt;: host … said", Exim's "RCPT TO:&lt;x&gt;"),
    /// else the first address in the text that is not the daemon's, not ours (the bounce's
    /// recipients) and not in a message id.
    /// </summary>
    private static string? FailedRecipient(InboundEmail email, string text)
    {
        if (email.Header("x-failed-recipients") is { } failedHeader && Address().Match(failedHeader) is { Success: true } listed)
        {
            return listed.Value;
        }

        if (NamedRecipient().Match(text) is { Success: true } named)
        {
            return named.Groups["addr"].Value;
        }

        var ours = new HashSet<string>(email.To.Concat(email.Cc).Append(email.From), StringComparer.OrdinalIgnoreCase);
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var s = line.ToString();
            if (!s.Contains('@', StringComparison.Ordinal) || IdHeaderLine().IsMatch(s))
            {
                continue;
            }

            foreach (Match m in Address().Matches(s))
            {
                if (!ours.Contains(m.Value) && !DaemonMailboxes.Contains(m.Value.Split('@')[0]))
                {
                    return m.Value;
                }
            }
        }

        return null;
    }

    private static string? DiagnosticLine(string text, Match code)
    {
        if (!code.Success)
        {
            return PermanentWording().Match(text) is { Success: true } w ? LineAround(text, w.Index) : null;
        }

        return LineAround(text, code.Index);
    }

    private static string LineAround(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        var end = text.IndexOf('\n', index);
        var line = text[start..(end < 0 ? text.Length : end)].Trim();
        return line.Length > 300 ? line[..300] : line;
    }

    /// <summary>The message an email answers: In-Reply-To, else the newest reference.</summary>
    private static string? ThreadParent(InboundEmail email) =>
        !string.IsNullOrWhiteSpace(email.InReplyTo) ? email.InReplyTo : email.References.Count > 0 ? email.References[^1] : null;

    /// <summary>Plain bounces often quote the returned message's headers; its Message-ID says which email failed.</summary>
    private static string? QuotedMessageId(string text) =>
        QuotedMessageIdLine().Match(text) is { Success: true } m ? m.Groups["id"].Value : null;

    // ---------------------------------------------------------------- auto-replies

    private static string? HeaderSignal(InboundEmail email)
    {
        // RFC 3834: any value but "no" (parameters may follow a ';').
        if (email.Header("auto-submitted") is { } autoSubmitted && !FirstToken(autoSubmitted).Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            return "header:auto-submitted";
        }

        foreach (var name in AutoReplyHeaders)
        {
            if (email.Header(name) is not null)
            {
                return "header:" + name;
            }
        }

        if (email.Header("precedence") is { } precedence && AutoPrecedence.Contains(FirstToken(precedence)))
        {
            return "header:precedence";
        }

        // A report that is no delivery report (those were read above): a read receipt (RFC 8098) or
        // a feedback report. Machines write them, so they must not count as a reply.
        return email.Header("content-type") is { } type && FirstToken(type).Equals("multipart/report", StringComparison.OrdinalIgnoreCase)
            ? "header:content-type"
            : null;
    }

    /// <summary>
    /// An auto-reply subject. Exchange marks its automatic replies with X-Auto-Response-Suppress,
    /// which alone proves nothing (Outlook sets it on other mail too); with such a subject it names
    /// the signal more precisely.
    /// </summary>
    private static string? SubjectSignal(InboundEmail email)
    {
        if (!AutoReplySubject().IsMatch(email.Subject))
        {
            return null;
        }

        return email.Header("x-auto-response-suppress") is null ? "subject" : "header:x-auto-response-suppress";
    }

    /// <summary>
    /// A null return path (<c>Return-Path: &lt;&gt;</c>) is what RFC 3834 asks auto-responders to
    /// send with; bounces use it too, which is why this is checked only after bounces.
    /// </summary>
    private static string? ReturnPathSignal(InboundEmail email) => email.ReturnPath is "" ? "header:return-path" : null;

    /// <summary>
    /// The last resort, for auto-replies that lost their headers on the way (a Gmail vacation reply
    /// read through an Exchange mailbox). All of these must hold, so a person's reply that merely
    /// mentions an absence stays a reply:
    /// an absence phrase not in the past tense ("I was on vacation" is a person talking);
    /// a return date or "I will reply when I return";
    /// no question and no conversational turn ("let's meet", "happy to chat") — notices state, people ask;
    /// no greeting by name: an auto-responder sends one text to everyone, so "Hi Rita" means a person.
    /// </summary>
    private static string? BodySignal(string body, InboundEmail email)
    {
        if (body.Contains('?', StringComparison.Ordinal) || ConversationalTurn().IsMatch(body) || GreetsByName(body, email.To))
        {
            return null;
        }

        var present = AbsencePhrase().Matches(body).Any(m => !PastTenseBefore(body, m.Index));
        if (!present)
        {
            return null;
        }

        return ReplyOnReturn().IsMatch(body) || ReturnDate(body, email.Date) is not null ? "body" : null;
    }

    /// <summary>
    /// Whether the first line names a recipient, going by the name parts of the recipients'
    /// addresses ("rita.rep@…" → "Rita", "Rep"); role words (sales, info …) do not count.
    /// </summary>
    private static bool GreetsByName(string body, IReadOnlyList<string> recipients)
    {
        var firstLine = body.TrimStart().Split('\n', 2)[0];
        if (firstLine.Length > 80)
        {
            firstLine = firstLine[..80];
        }

        var words = NameWord().Matches(firstLine).Select(m => m.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return recipients
            .SelectMany(r => r.Split('@')[0].Split(['.', '_', '-', '+'], StringSplitOptions.RemoveEmptyEntries))
            .Any(part => part.Length >= 3 && !RoleMailboxes.Contains(part) && words.Contains(part));
    }

    /// <summary>Whether the words just before <paramref name="index"/>, in the same sentence, put it in the past.</summary>
    private static bool PastTenseBefore(string text, int index)
    {
        var start = Math.Max(0, index - 48);
        var window = text[start..index];
        var cut = -1;
        for (var i = window.Length - 1; i >= 0 && cut < 0; i--)
        {
            // A dot ends a sentence unless it belongs to a number (dates such as "12.03.").
            if (window[i] is '!' or ';' or '\n' || (window[i] == '.' && (i == 0 || !char.IsAsciiDigit(window[i - 1]))))
            {
                cut = i;
            }
        }

        return PastTense().IsMatch(window[(cut + 1)..]);
    }

    private static string FirstToken(string value) => value.Split(';', 2)[0].Trim();

    /// <summary>
    /// The text above any quoted message: lines starting with '&gt;' are dropped and the text stops
    /// at a reply header ("On … wrote:", "-----Original Message-----", Outlook's "From: … Sent:").
    /// Our own email is quoted there, and it must not count as the replier's words.
    /// </summary>
    private static string Unquoted(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var kept = new StringBuilder(text.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var next = i + 1 < lines.Length ? lines[i + 1] : "";
            if (QuoteSeparator().IsMatch(line) || (QuoteAttribution().IsMatch(line + " " + next) && AttributionStart().IsMatch(line))
                || (QuotedFromLine().IsMatch(line) && QuotedSentLine().IsMatch(next)))
            {
                break;
            }

            if (!line.TrimStart().StartsWith('>'))
            {
                kept.Append(line).Append('\n');
            }
        }

        return kept.ToString();
    }

    // ---------------------------------------------------------------- return dates

    /// <summary>
    /// Reads the date an out-of-office notice says its writer is back, or null.
    /// </summary>
    /// <remarks>
    /// <para>A date counts only after a return cue, so the start of an absence is not mistaken for
    /// its end: en "back (on)", "returning (on)", "return on", "until", "till", "through";
    /// de "zurück am/ab", "wieder am/ab", "bis (zum)", "ab dem … wieder"; fr "de retour (le)",
    /// "jusqu'au", "retour le"; es "hasta (el)", "de vuelta/de regreso (el)", "regresaré/volveré (el)".
    /// A weekday may stand between cue and date ("returning Monday, 12 March 2027").</para>
    /// <para>Forms: day and month name ("12 March", "12th of March", "12. März", "1er mars",
    /// "12 de marzo de 2027"); month name and day ("March 12th, 2027"); ISO "2027-03-12"; and
    /// numeric dates, which are read <b>day first</b> ("12.03.", "12/03", "12/03/27") as written in
    /// German, French, Spanish and British mail. Only when the day-first reading is impossible and
    /// the month-first one is not ("12/25") is it read the US way. The date is the one written:
    /// "until 12 March" gives 12 March, not the day after.</para>
    /// <para>Without a year, it is the next such date on or after the day <paramref name="sentAt"/>
    /// falls on (in the sender's own offset): "back on 3 January" written on 20 December is next
    /// year's. Without a year and without <paramref name="sentAt"/> the year cannot be known and the
    /// result is null — never today's year, which would make the answer depend on when it runs.
    /// Two-digit years are 20xx.</para>
    /// </remarks>
    public static DateOnly? ReturnDate(string text, DateTimeOffset? sentAt)
    {
        ArgumentNullException.ThrowIfNull(text);

        for (var m = ReturnCue.Match(text); m.Success; m = m.NextMatch())
        {
            // "ab dem 12.03." starts an absence unless "wieder" (again) follows: "ab dem 12.03. wieder erreichbar".
            if (m.Groups["from"].Success && !m.Groups["again"].Success)
            {
                continue;
            }

            if (DateOf(m, sentAt) is { } date)
            {
                return date;
            }
        }

        return null;
    }

    private static DateOnly? DateOf(Match m, DateTimeOffset? sentAt)
    {
        int day, month;
        int? year = null;
        if (m.Groups["dn"].Success)
        {
            day = Number(m.Groups["dn"]);
            month = MonthOf(m.Groups["mn"]);
            year = OptionalNumber(m.Groups["yn"]);
        }
        else if (m.Groups["md"].Success)
        {
            day = Number(m.Groups["md"]);
            month = MonthOf(m.Groups["mm"]);
            year = OptionalNumber(m.Groups["my"]);
        }
        else if (m.Groups["iy"].Success)
        {
            (day, month, year) = (Number(m.Groups["id"]), Number(m.Groups["im"]), Number(m.Groups["iy"]));
        }
        else
        {
            (day, month) = (Number(m.Groups["n1"]), Number(m.Groups["n2"]));
            if (month > 12 && day <= 12 && m.Groups["sep"].Value == "/")
            {
                (day, month) = (month, day);
            }

            year = OptionalNumber(m.Groups["ny"]);
        }

        if (year is < 100)
        {
            year += 2000;
        }

        return Resolve(day, month, year, sentAt);
    }

    private static DateOnly? Resolve(int day, int month, int? year, DateTimeOffset? sentAt)
    {
        if (month is < 1 or > 12 || day < 1)
        {
            return null;
        }

        if (year is { } y)
        {
            return y is >= 1 and <= 9999 && day <= DateTime.DaysInMonth(y, month) ? new DateOnly(y, month, day) : null;
        }

        if (sentAt is not { } sent)
        {
            return null;
        }

        // The next such date on or after the message's own day; 29 February waits for a leap year.
        var sentDay = DateOnly.FromDateTime(sent.DateTime);
        for (var candidateYear = sentDay.Year; candidateYear <= sentDay.Year + 8; candidateYear++)
        {
            if (day <= DateTime.DaysInMonth(candidateYear, month) && new DateOnly(candidateYear, month, day) is var candidate && candidate >= sentDay)
            {
                return candidate;
            }
        }

        return null;
    }

    private static int Number(Group g) => int.Parse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>0 (no month) if case-insensitive matching let through a spelling the table does not hold.</summary>
    private static int MonthOf(Group g) => Months.TryGetValue(g.Value.TrimEnd('.'), out var month) ? month : 0;

    private static int? OptionalNumber(Group g) => g.Success ? Number(g) : null;

    /// <summary>Month names and their usual abbreviations in English, German, French and Spanish.</summary>
    private static readonly Dictionary<string, int> Months = BuildMonths();

    private static Dictionary<string, int> BuildMonths()
    {
        string[][] names =
        [
            ["january", "jan", "januar", "jänner", "jaenner", "janvier", "janv", "enero", "ene"],
            ["february", "feb", "februar", "février", "fevrier", "févr", "fevr", "febrero"],
            ["march", "mar", "märz", "maerz", "marz", "mär", "mrz", "mars", "marzo"],
            ["april", "apr", "avril", "avr", "abril", "abr"],
            ["may", "mai", "mayo"],
            ["june", "jun", "juni", "juin", "junio"],
            ["july", "jul", "juli", "juillet", "juil", "julio"],
            ["august", "aug", "août", "aout", "agosto", "ago"],
            ["september", "sep", "sept", "septembre", "septiembre", "setiembre"],
            ["october", "oct", "oktober", "okt", "octobre", "octubre"],
            ["november", "nov", "novembre", "noviembre"],
            ["december", "dec", "dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dic"],
        ];
        var months = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            foreach (var name in names[i])
            {
                months.Add(name, i + 1);
            }
        }

        return months;
    }

    // ---------------------------------------------------------------- patterns

    /// <summary>RFC 3463 enhanced status code: class 2/4/5, subject 0–7, detail up to three digits; not part of an IP or a version.</summary>
    [GeneratedRegex(@"(?<![\d.])(?<class>[245])\.(?<subject>[0-7])\.(?<detail>\d{1,3})(?!\.?\d)", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedStatus();

    /// <summary>Where a bounce says the refusal came: after the message was sent (Postfix, Sendmail, Exim wording).</summary>
    [GeneratedRegex(@"end of data|in reply to data command|after data command|>>> data\s*\r?\n\s*<<< [45]\d\d(?![\s\S]{0,400}need rcpt)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AfterData();

    /// <summary>Where bounces start quoting the returned message: a separator line, or its first header lines.</summary>
    [GeneratedRegex(@"^[ \t]*(-{2,}|={2,}|_{3,}).{0,60}(original|copy|returned|unsent|undelivered|message follows|message header|headers of|below this line)|^[ \t]*(original message headers|below this line is a copy|the original message was received)|^(Received|Return-Path|Message-I[Dd]|DKIM-Signature|MIME-Version|Content-Type|X-Sequences-[A-Za-z]+):", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex ReturnedMessageStart();

    [GeneratedRegex(@"undeliver(?:ed|able)|returned mail|returned to sender|delivery status notification \((?:failure|failed)\)|^delivery status(?: notification)?(?:: error)?$|error sending your (?:e-?)?mail|mail delivery (?:failed|failure|system)|delivery (?:has )?failed|delivery failure|failure notice|message not delivered|could not be delivered|unzustellbar|nicht zustellbar|non remis|non distribuable|no se puede entregar|no entregado",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FailureSubject();

    [GeneratedRegex(@"delivery status notification \(delay\)|\bdelayed\b|delivery (?:is )?delayed|could not send message for past|still being retried|will (?:continue to )?retry",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DelaySubject();

    [GeneratedRegex(@"could ?n[o']t be delivered|undeliverable|delivery (?:to the following recipients? )?(?:has )?failed|permanent(?:ly)? (?:fatal )?(?:error|failure)|returned to sender|konnte nicht zugestellt werden|n'a pas pu être remis|no se pudo entregar",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FailureWording();

    [GeneratedRegex(@"does ?n[o']t exist|doesn't exist|user unknown|unknown user|no such (?:user|mailbox|recipient|address)|recipient not found|mailbox (?:not found|unavailable)|invalid recipient|address rejected|account (?:has been )?disabled|existiert nicht|unbekannt|n'existe pas|no existe",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PermanentWording();

    [GeneratedRegex(@"(?:final-recipient|original-recipient)\s*:\s*rfc822\s*;\s*<?(?<addr>[^\s<>;@]+@[^\s<>;]+?)>?\s*$|^\s*<(?<addr>[^\s<>@]+@[^\s<>]+)>\s*:|rcpt to:\s*<(?<addr>[^\s<>@]+@[^\s<>]+)>",
        RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex NamedRecipient();

    [GeneratedRegex(@"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Address();

    [GeneratedRegex(@"^\s*(?:message-id|references|in-reply-to|received|return-path|dkim-signature|x-[\w-]+)\s*:", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IdHeaderLine();

    [GeneratedRegex(@"^\s*Message-ID\s*:\s*(?<id><[^<>\s]+>)", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex QuotedMessageIdLine();

    /// <summary>
    /// Auto-reply subjects, at the start after any reply/forward prefixes (Re:, AW:, WG:, SV:, TR: …)
    /// or an opening bracket; and Lotus Notes' "… is out of the office".
    /// </summary>
    [GeneratedRegex(@"^\s*(?:(?:re|aw|antw|sv|vs|r|rif|wg|fw|fwd|tr|réf|ref)\s*(?:\[\d+\])?\s*:\s*)*[\[(]?\s*(?:automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (?:the )?office|ooo|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|absence du bureau|respuesta autom[áa]tica|fuera de la oficina|risposta automatica|automatisch antwoord|afwezigheid|resposta autom[áa]tica)\b|\bis out of (?:the )?office\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AutoReplySubject();

    [GeneratedRegex(@"\b(?:out of (?:the )?office|on (?:annual |parental |maternity |paternity |sick |medical |study )?leave|on (?:vacation|holidays?)|away from (?:the |my )?(?:office|desk)|limited access to (?:my )?e-?mails?|(?:i am|i'm|i’m) (?:currently )?away|not in the office|nicht im büro|abwesend|im urlaub|au(?:ß|ss)er haus|in elternzeit|en congés?|absente? du bureau|en vacances|hors du bureau|fuera de la oficina|de vacaciones|ausente|fuori ufficio|in ferie|niet op kantoor|afwezig|met vakantie|fora do escritório|de férias)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AbsencePhrase();

    [GeneratedRegex(@"\b(?:was|were|been|had|wasn't|war|waren|gewesen|étais|était|été|estuve|estaba|estuvo|estado|ero|stato|geweest|estive|estava)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PastTense();

    [GeneratedRegex(@"\b(?:let['’]s|lets (?:meet|talk|chat|schedule|do)|let us (?:meet|talk|chat)|sounds good|works for me|(?:happy|glad) to (?:chat|talk|meet|take|jump|hop|set up|schedule)|we (?:can|could) (?:meet|talk|chat|speak)|lass uns|lassen sie uns|k(?:ö|oe)nn(?:t)?en wir|on peut se|podemos (?:hablar|vernos))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConversationalTurn();

    [GeneratedRegex(@"\p{L}+", RegexOptions.CultureInvariant)]
    private static partial Regex NameWord();

    /// <summary>"I will reply when I return" and its kin: a promise to answer later, the mark of a notice.</summary>
    [GeneratedRegex(@"\b(?:reply|respond|answer|read|get back to you|attend to|deal with|follow up)\b[^.\n]{0,80}?\b(?:(?:when|once|after|as soon as)\s+i(?:\s+am|['’]m)?\s+(?:return|get back|back|come back)|(?:upon|on|after)\s+my\s+return)\b|\b(?:nach|bei)\s+meiner\s+r(?:ü|ue)ckkehr\b|\b(?:à|a|dès|des)\s+mon\s+retour\b|\ba\s+mi\s+(?:regreso|vuelta)\b|\bcuando\s+(?:regrese|vuelva)\b|\bal\s+mio\s+(?:rientro|ritorno)\b|\bbij\s+terugkomst\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReplyOnReturn();

    [GeneratedRegex(@"^\s*(?:-{2,}\s*(?:original message|ursprüngliche nachricht|message d['’]origine|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original)\s*-{2,}|_{10,}\s*$|-{5,}\s*forwarded message)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuoteSeparator();

    [GeneratedRegex(@"^\s*(?:on|am|le|el|op|il|em)\s", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AttributionStart();

    [GeneratedRegex(@"(?:wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu)\s*:", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuoteAttribution();

    [GeneratedRegex(@"^\s*\*?(?:from|von|de|van|da)\s*\*?\s*:\s*\S", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuotedFromLine();

    [GeneratedRegex(@"^\s*\*?(?:sent|gesendet|envoyé|enviado|date|datum|verzonden|inviato|to|an|à|para)\s*\*?\s*:", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuotedSentLine();

    /// <summary>
    /// A return cue followed by a date: groups dn/mn/yn (day month-name year), md/mm/my (month-name
    /// day year), iy/im/id (ISO), n1/n2/ny (numeric, day first); "from" marks the German "ab (dem)"
    /// cue, which needs "again" ("wieder") after the date.
    /// </summary>
    /// <remarks>Built from <see cref="Months"/>, so it must be declared (initialised) after it.</remarks>
    private static readonly Regex ReturnCue = BuildReturnCue();

    private static Regex BuildReturnCue()
    {
        const string Cue =
            @"(?:\bback(?:\s+(?:in|at|to)\s+(?:the\s+|my\s+)?(?:office|work|desk))?(?:\s+(?:on|from|by))?"
            + @"|\breturn(?:ing)?(?:\s+to\s+(?:the\s+)?(?:office|work))?(?:\s+(?:on|from))?"
            + @"|\b(?:un)?til|\btill|\bthrough|\bthru"
            + @"|\bzurück(?:\s+(?:am|ab))?|\bwieder\s+(?:im\s+büro\s+|erreichbar\s+|da\s+|zurück\s+)?(?:am|ab)|\bbis(?:\s+(?:zum|einschließlich|einschliesslich|inkl\.?))?|\brückkehr\s+am"
            + @"|\bde\s+retour(?:\s+au\s+bureau)?(?:\s+(?:le|à\s+partir\s+du|a\s+partir\s+du|dès\s+le|des\s+le))?|\bjusqu['’]\s*(?:au|à|a)|\bretour\s+(?:prévu\s+)?le"
            + @"|\bhasta(?:\s+el)?|\b(?:regresaré|regresare|volveré|volvere|de\s+vuelta|de\s+regreso)(?:\s+el)?"
            + @"|(?<from>\bab(?:\s+(?:dem|den))?))";
        const string Weekday =
            @"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun"
            + @"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|mo|di|mi|do|fr|sa|so"
            + @"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo)\.?,?\s+)";
        const string Article = @"(?:(?:on|the|dem|den|le|el|au|du)\s+)?";
        var month = "(?:" + string.Join('|', Months.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)) + @")\b\.?";
        var date =
            $@"(?:(?<dn>[0-9]{{1,2}})(?:st|nd|rd|th|er|\.)?\s*(?:of\s+|de\s+)?(?<mn>{month})(?:,?\s*(?:de\s+)?(?<yn>[0-9]{{4}}))?"
            + $@"|(?<mm>{month})\s*(?<md>[0-9]{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?<my>[0-9]{{4}}))?"
            + @"|(?<iy>[0-9]{4})-(?<im>[0-9]{2})-(?<id>[0-9]{2})"
            + @"|(?<n1>[0-9]{1,2})(?<sep>[./])(?<n2>[0-9]{1,2})(?:[./](?<ny>[0-9]{4}|[0-9]{2})(?![0-9])|\.?(?![0-9/]))(?!\s*(?:[ap]\.?m\b|uhr\b|h\b))"
            + ")";
        var pattern = $@"{Cue}\s*{Article}{Weekday}?{Article}{date}(?<again>\.?\s+(?:(?:bin|ist|sind)\s+(?:ich|sie|er|wir)\s+)?wieder)?";
        return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
    }
}
