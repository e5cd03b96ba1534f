using System.Text.RegularExpressions;

namespace Sequences.Core.Inbound;

/// <summary>Why a message to one recipient failed, as far as the failure says.</summary>
public enum BounceReason
{
    // About the address: the only reasons that suppress a contact (when permanent).
    UserUnknown,
    HostUnknown,
    HasMoved,
    NotAccepting,

    // About the mailbox or the message: the address is fine; the step may be retried.
    MailboxDisabled,
    MailboxFull,
    MessageTooBig,
    Content,
    OnHold,
    Expired,
    SystemError,
    NetworkError,

    // About our sending: flagged on the sender for review, never held against the contact.
    Blocked,
    Policy,
    RateLimited,
    RelayDenied,
    Authentication,

    Undetermined,
}

/// <summary>A failure's reason and whether the reporting system called it permanent.</summary>
public sealed record BounceVerdict(BounceReason Reason, bool Permanent)
{
    /// <summary>
    /// Suppress the contact and end: the reason is the address itself. The code's class does not
    /// decide — systems say "450 4.1.1 user unknown" of addresses that are gone, and "550 5.1.1" of
    /// anything — as bounce-parsing projects (sisimai) label them too.
    /// </summary>
    public bool Hard => Reason is BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.HasMoved or BounceReason.NotAccepting;

    /// <summary>The failure is about how we send (our IP, domain, relay, authentication, rate): the sender needs a look, not the contact.</summary>
    public bool AboutSender => Reason is BounceReason.Blocked or BounceReason.Policy or BounceReason.RateLimited or BounceReason.RelayDenied or BounceReason.Authentication;

    /// <summary>The reason as it appears on timelines and in stats: <c>USER_UNKNOWN</c>, <c>MAILBOX_FULL</c>, …</summary>
    public string Code => BounceReasons.Code(Reason);
}

/// <summary>
/// Classifies a delivery failure by its reason, not by the first digit of its code. Real mail
/// systems put generic statuses (5.0.0, or 5.1.1 on everything) on very different failures and
/// say what happened in their text, so the diagnostic text is read first (each major MTA's
/// wording), then the enhanced status code (RFC 3463 subject and detail, with the registry's
/// later additions), then the SMTP reply code. Permanence (informational: the reason decides)
/// comes from the codes (class 5 or 5xx), else from the words. Pure and deterministic.
/// </summary>
public static partial class BounceReasons
{
    public static string Code(BounceReason reason) => reason switch
    {
        BounceReason.UserUnknown => "USER_UNKNOWN",
        BounceReason.HostUnknown => "HOST_UNKNOWN",
        BounceReason.HasMoved => "HAS_MOVED",
        BounceReason.NotAccepting => "NOT_ACCEPTING_MAIL",
        BounceReason.MailboxDisabled => "MAILBOX_DISABLED",
        BounceReason.MailboxFull => "MAILBOX_FULL",
        BounceReason.MessageTooBig => "MESSAGE_TOO_BIG",
        BounceReason.Content => "CONTENT_REJECTED",
        BounceReason.OnHold => "ON_HOLD",
        BounceReason.Expired => "EXPIRED",
        BounceReason.SystemError => "SYSTEM_ERROR",
        BounceReason.NetworkError => "NETWORK_ERROR",
        BounceReason.Blocked => "BLOCKED",
        BounceReason.Policy => "POLICY",
        BounceReason.RateLimited => "RATE_LIMITED",
        BounceReason.RelayDenied => "RELAY_DENIED",
        BounceReason.Authentication => "AUTHENTICATION",
        _ => "UNDETERMINED",
    };

    /// <summary>
    /// Classifies one failed recipient from its enhanced <paramref name="status"/> (a DSN's
    /// <c>Status</c>, may be null) and its <paramref name="diagnostic"/> text (a DSN's
    /// <c>Diagnostic-Code</c>, a plain bounce's text, or an SMTP reply).
    /// </summary>
    public static BounceVerdict Classify(string? status, string? diagnostic) => Classify(status, diagnostic, afterData: false);

    /// <summary>
    /// As above, knowing whether the refusal came after the message was sent (<paramref name="afterData"/>:
    /// "in reply to end of DATA command"): a "user unknown" there is a filter's answer, not the address's.
    /// </summary>
    public static BounceVerdict Classify(string? status, string? diagnostic, bool afterData)
    {
        var text = diagnostic ?? "";
        var enhanced = EnhancedCode(text) ?? EnhancedCode(status);
        var reply = SmtpReply().Match(text) is { Success: true } r ? r.Value : null;
        var reason = Overriding(enhanced, text) ?? FromText(Words(text)) ?? FromEnhanced(enhanced) ?? FromReply(reply) ?? BounceReason.Undetermined;
        if (afterData && reason == BounceReason.UserUnknown)
        {
            reason = BounceReason.Content;
        }

        return new BounceVerdict(reason, Permanence(EnhancedCode(status) ?? enhanced, reply, text));
    }

    /// <summary>
    /// Codes that outweigh any wording: X.1.7 and X.1.8 are about our sender address, a local
    /// mailer's error (<c>x-unix</c>: procmail, a full disk) is the receiving system's, and an X.7
    /// security or policy refusal that speaks of an unknown user is a filter talking.
    /// </summary>
    private static BounceReason? Overriding((string Class, string Subject, string Detail)? code, string text) =>
        code switch
        {
            (_, "1", "7" or "8") => BounceReason.Policy,
            _ when text.TrimStart().StartsWith("x-unix", StringComparison.OrdinalIgnoreCase) => BounceReason.SystemError,
            (_, "7", _) when FromText(Words(text)) is BounceReason.UserUnknown => BounceReason.Content,
            _ => null,
        };

    /// <summary>The words of a diagnostic: addresses and links out (an address such as filtered@… or a help URL must not read as a reason).</summary>
    private static string Words(string text) => AddressOrLink().Replace(text, " ");

    /// <summary>The class of the status (5 is permanent, 4 temporary), else of the reply code, else the words.</summary>
    private static bool Permanence((string Class, string Subject, string Detail)? enhanced, string? reply, string text) =>
        enhanced?.Class switch
        {
            "5" => true,
            "4" => false,
            _ => reply is { } code ? code[0] == '5' : !TemporaryWording().IsMatch(text),
        };

    private static (string Class, string Subject, string Detail)? EnhancedCode(string? text) =>
        text is not null && EnhancedStatus().Match(text) is { Success: true } m
            ? (m.Groups["class"].Value, m.Groups["subject"].Value, m.Groups["detail"].Value)
            : null;

    /// <summary>The first reason whose wording the text carries, most specific first.</summary>
    private static BounceReason? FromText(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        foreach (var (reason, wording) in Wordings)
        {
            if (wording.IsMatch(text))
            {
                return reason;
            }
        }

        return null;
    }

    /// <summary>
    /// Ordered: our sending first (a "blocked because unauthenticated" is about authentication, a
    /// "user … receiving mail at a rate" about rate), then what is specific to a mailbox, then the
    /// address, then the generic.
    /// </summary>
    private static readonly (BounceReason Reason, Regex Wording)[] Wordings =
    [
        (BounceReason.Policy, SenderWording()),
        (BounceReason.RelayDenied, RelayWording()),
        (BounceReason.Authentication, AuthenticationWording()),
        (BounceReason.RateLimited, RateWording()),
        (BounceReason.Blocked, BlockedWording()),
        (BounceReason.Content, ContentWording()),
        (BounceReason.MailboxFull, FullWording()),
        (BounceReason.MessageTooBig, TooBigWording()),
        (BounceReason.MailboxDisabled, DisabledWording()),
        (BounceReason.OnHold, OnHoldWording()),
        (BounceReason.NotAccepting, NotAcceptingWording()),
        (BounceReason.HostUnknown, HostUnknownWording()),
        (BounceReason.HasMoved, MovedWording()),
        (BounceReason.UserUnknown, UserUnknownWording()),
        (BounceReason.Expired, ExpiredWording()),
        (BounceReason.NetworkError, NetworkWording()),
        (BounceReason.Policy, PolicyWording()),
        (BounceReason.SystemError, SystemWording()),
    ];

    /// <summary>RFC 3463 subjects and details, with the IANA registry's later codes (RFC 5248, 7372, 7505, 8098…).</summary>
    private static BounceReason? FromEnhanced((string Class, string Subject, string Detail)? code) => code switch
    {
        null => null,
        (_, "1", "1" or "3") => BounceReason.UserUnknown,
        (_, "1", "2") => BounceReason.HostUnknown,
        (_, "1", "6") => BounceReason.HasMoved,
        (_, "1", "10") => BounceReason.NotAccepting,
        (_, "1", "7" or "8") => BounceReason.Policy,
        (_, "2", "1") => BounceReason.MailboxDisabled,
        (_, "2", "2") => BounceReason.MailboxFull,
        (_, "2", "3") => BounceReason.MessageTooBig,
        (_, "3", "4") => BounceReason.MessageTooBig,
        (_, "3", "3") => BounceReason.Content,
        (_, "3", _) => BounceReason.SystemError,
        (_, "4", "4") => BounceReason.HostUnknown,
        (_, "4", "7") => BounceReason.Expired,
        (_, "4", "5" or "6") => BounceReason.SystemError,
        (_, "4", _) => BounceReason.NetworkError,
        (_, "5", "3") => BounceReason.Policy,
        (_, "5", _) => BounceReason.SystemError,
        (_, "6", _) => BounceReason.Content,
        (_, "7", "13") => BounceReason.MailboxDisabled,
        (_, "7", "16") => BounceReason.MessageTooBig,
        (_, "7", "17" or "18") => BounceReason.HasMoved,
        (_, "7", "28") => BounceReason.RateLimited,
        (_, "7", "5" or "6" or "7" or "8" or "9" or "10" or "11" or "12" or "14" or "20" or "21" or "22" or "23" or "24" or "25" or "26" or "29" or "30")
            => BounceReason.Authentication,
        (_, "7", _) => BounceReason.Policy,
        _ => null,
    };

    private static BounceReason? FromReply(string? reply) => reply switch
    {
        "551" => BounceReason.HasMoved,
        "552" => BounceReason.MailboxFull,
        "421" or "451" or "452" => BounceReason.SystemError,
        "571" => BounceReason.Policy,
        _ => null,
    };

    [GeneratedRegex(@"(?<![\d.])(?<class>[245])\.(?<subject>[0-7])\.(?<detail>\d{1,3})(?!\.?\d)", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedStatus();

    [GeneratedRegex(@"(?<![\d.])[45][0-9]{2}(?![\d.])", RegexOptions.CultureInvariant)]
    private static partial Regex SmtpReply();

    [GeneratedRegex(@"https?://\S+|[^\s<>()\[\]:;,""']+@[^\s<>()\[\]:;,""']+", RegexOptions.CultureInvariant)]
    private static partial Regex AddressOrLink();

    [GeneratedRegex(@"temporar|try(ing)? again|will (be )?retr|retrying|deferred|delayed|still trying|transient", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryWording();

    [GeneratedRegex(@"domain of sender address|sender (address|domain) (\S+ )?(rejected|denied|does not exist|not found|unknown|invalid)|(mail from|envelope sender|sender) .{0,40}(is )?not allowed|bad sender", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SenderWording();

    [GeneratedRegex(@"relay(ing)? (access )?(denied|not permitted|prohibited|not allowed)|unable to relay|(not permitted|not allowed|cannot|can't|we do not|do not) (to )?relay|relay (access )?denied|norelay|rcpthosts|not a gateway|open relay", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelayWording();

    [GeneratedRegex(@"\bspf\b|\bdkim\b|\bdmarc\b|\barc\b validation|unauthenticated|not authenticated|authenticat(e|ion) (is )?(required|failed|failure)|requires? .{0,30}authenticat|spoof|reverse dns|\bptr\b|\brdns\b|sender verif|sender address verification|does not have a valid reverse|not designated|sender policy framework|domainkeys", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthenticationWording();

    [GeneratedRegex(@"rate[- ]?limit|throttl|too many (connections|concurrent|messages|mails|e-?mails|requests|sessions|recipients from|errors)|receiving mail at a rate|unusual rate|sending (quota|limit)|frequency limit|unexpected volume|excessive (connections|volume|messages)|exceeded the (rate|maximum number of connections|message rate)|connection limit|slow down|temporarily deferred due to|try again in \d", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RateWording();

    [GeneratedRegex(@"black ?list|block ?list|\blisted (at|on|by)\b|\blisted in (an? |the )?(rbl|dnsbl|sbl|xbl|pbl|sorbs|spamhaus|black ?list|block ?list)|\b(rbl|dnsbl|sbl|xbl|pbl)\b|spamhaus|spamcop|barracuda|sorbs|\bblocked\b|\bbanned\b|reputation|badmailfrom|client host .{0,60}rejected|not accepted from this ip|permanently deferred|\[TSS\d+\]|bounce ?back|denied by ip|your ip", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BlockedWording();

    [GeneratedRegex(@"\bspam|\bvirus|malware|infected|phish|content (rejected|denied|filter)|rejected (due to|because of|for) (its )?content|message content|filtered|\bfilter\b|unsolicited|\buce\b|bulk (e-?)?mail|suspicious|executable|attachment|quarantin|\bdt:spm\b|\bjunk\b|\bscam\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ContentWording();

    [GeneratedRegex(@"mail ?box (is )?(full|over ?quota)|full mail ?box|inbox is full|mail ?folder is full|file is full|over ?quota|quota (exceeded|full)|(exceed(s|ed)?|exceeding) (the |his |her |their )?(storage |mailbox |disk |user )?quota|QuotaExceeded|storage allocation|exceeded storage|insufficient (user )?storage|out of (storage|space)|no space left|mailbox size limit|disk quota", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FullWording();

    [GeneratedRegex(@"(message|mail|e-?mail|data)( size)? (is |was )?too (large|big|long)|too large|size (limit|exceed)|exceeds? (the )?(max(imum)?|fixed max(imum)?)( allowed| permitted)?( message)? (message )?size|message (size|length) exceeds|RecipSizeLimit|message too big", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TooBigWording();

    [GeneratedRegex(@"\bdisabled\b|deactivated|\bsuspended\b|\binactive\b(?! (e-?mail )?address)|not active|account (has been |is )?(locked|frozen|expired|closed|blocked)|mail ?box (has been |is )?(locked|frozen|closed)|discontinued|account (has been )?terminated", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DisabledWording();

    [GeneratedRegex(@"on hold|held (for|in|by)|pending (review|moderation|approval)|awaiting (moderation|approval)|moderat(or|ion)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OnHoldWording();

    [GeneratedRegex(@"(does not|doesn't|do not|will not|won't) accept (any )?(e-?)?mail|not accepting (any )?(e-?)?mail|accepts no (e-?)?mail|null ?mx|domain does not receive mail", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NotAcceptingWording();

    [GeneratedRegex(@"host (unknown|not found)|host \S+ not found|unknown host|(domain|host) (name )?(not found|does not exist|doesn't exist|unknown|couldn't be found|could not be found)|no such (domain|host)|unrout(e)?able|name or service not known|nxdomain|couldn't find any host|host or domain name not found|no route (found )?to domain|bad destination system|does not resolve|unresolvable|unknown domain|domain (is )?not reachable", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostUnknownWording();

    [GeneratedRegex(@"has moved|moved to|no longer (with|at|employed|works?|working|valid|in use|active|available|here)|(address|user|mailbox) (has )?changed|left the (company|organi[sz]ation|firm)|mailbox owner (has )?changed", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MovedWording();

    [GeneratedRegex(@"user (unknown|not found|doesn't exist|does not exist|not listed)|unknown (user|recipient|address|local[- ]?part|mail ?box|alias)|no such (user|mail ?box|recipient|address|person|account)|recipient (unknown|not found|does not exist|doesn't exist|invalid)|(mail ?box|address|account|recipient|user) (was |is )?(not found|does not exist|doesn't exist|couldn't be found|could not be found|unknown|invalid)|invalid (recipient|mail ?box|address|user|e-?mail address)|no mail ?box|not a valid (mail ?box|recipient|user|address)|does not exist|doesn't exist|RecipNotFound|RecipientNotFound|not listed in|doesn't have an? .{0,40}account|unknown or illegal alias|bad destination mail ?box|5\.4\.1 .{0,80}recipient address rejected: access denied|inactive (e-?mail )?address|5\.1\.0 address rejected|user_?unknown|undeliverable address|no longer exists|mailbox unknown|mailbox not found|address not found", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UserUnknownWording();

    [GeneratedRegex(@"expired|retry time ?out|retry timeout exceeded|too long in (the )?queue|in the queue too long|could not be delivered (within|for)|delivery time|giving up|gave up|cannot send message for \d+|message timeout|maximum time", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExpiredWording();

    [GeneratedRegex(@"name server|name service error|dns (error|failure|lookup)|malformed or unexpected|connection (refused|timed out|reset|lost|closed|dropped)|timed out|time-?out|no route to host|network (is )?unreachable|(could not|couldn't|unable to|wasn't able to) (connect|establish)|read error|lost connection|\btls\b|\bssl\b|handshake|broken pipe|unreachable", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NetworkWording();

    [GeneratedRegex(@"polic(y|ies)|not (authori[sz]ed|permitted|allowed)|prohibit|refused|administrative|access denied|sender (address )?(rejected|denied)|restricted|rejected by (the )?recipient|\bdenied\b|too many recipients", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PolicyWording();

    [GeneratedRegex(@"service (is )?(currently )?(not )?(un)?available|system (error|failure|not accepting)|internal (server )?error|local error|temporary (local )?(failure|problem|error)|configuration (error|problem)|\bloop(ing)?\b|too many hops|hop count|server error|insufficient system storage|out of memory|processing error|try again later", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SystemWording();
}
