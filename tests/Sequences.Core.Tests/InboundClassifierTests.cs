using System.Globalization;
using Sequences.Core.Inbound;

namespace Sequences.Core.Tests;

public class InboundClassifierTests
{
    private const string Ours = "<01ARZ3NDEKTSV4RRFFQ69G5FAV-01ARZ3NDEKTSV4RRFFQ69G5FAW.s1.seq@acme.test>";
    private static readonly DateTimeOffset March1 = new(2027, 3, 1, 9, 30, 0, TimeSpan.FromHours(1));

    private static InboundEmail Email(
        string body = "Thanks Rita, this sounds interesting. Send me the deck.",
        string subject = "Re: Quick question",
        string from = "ann@buyer.test",
        Dictionary<string, string>? headers = null,
        string? returnPath = "ann@buyer.test",
        DeliveryReport? report = null,
        DateTimeOffset? date = null,
        string? inReplyTo = Ours) =>
        new($"<{Guid.NewGuid():N}@buyer.test>", from, null, ["rita@acme.test"], [], subject, date ?? March1, inReplyTo,
            inReplyTo is null ? [] : [inReplyTo], headers ?? [], returnPath, body, report);

    private static Dictionary<string, string> Header(string name, string value) => new() { [name] = value };

    private static DateOnly? Day(string? iso) => iso is null ? null : DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Sent(string? iso) => iso is null ? null : DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    // ------------------------------------------------------------ people

    [Theory]
    [InlineData("Thanks Rita, this sounds interesting. Send me the deck.")]
    [InlineData("I was on vacation last week, yes let's meet Tuesday")]
    [InlineData("Sorry for the slow answer, I was out of the office until 12 March. Happy to talk next week.")]
    [InlineData("I'll be on vacation from 3 to 10 March, so let's talk when I'm back on 12 March.")]
    [InlineData("I'm on vacation until 12 March, can we talk after that?")]
    [InlineData("We were out of office all of last week and I will reply properly when I return to my notes.")]
    [InlineData("Ich war bis zum 12.03. im Urlaub, deshalb erst jetzt. Dienstag 10 Uhr passt.")]
    [InlineData("J'étais en congé jusqu'au 12 mars, désolé. Mardi me convient.")]
    [InlineData("My colleague Bob is on leave, please send the offer to me instead.")]
    [InlineData("Our office is closed on Monday. Tuesday at 10 works for me.")]
    [InlineData("I'm out of office until March 12 but happy to take a quick call.")]
    [InlineData("Hello Rita, I'm away from the office until 15 March, so please send the deck and I will review it when I'm back.")]
    [InlineData("Danke! Ich bin gerade im Urlaub, ab dem 15.03. bin ich wieder da, dann können wir telefonieren.")]
    public void A_reply_that_merely_mentions_an_absence_is_human(string body)
    {
        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(Email(body)));
    }

    [Fact]
    public void An_out_of_office_text_in_the_quoted_original_does_not_make_a_reply_automatic()
    {
        var body = """
            Yes please, send it over.

            On Mon, 1 Mar 2027 at 10:00, Ann Buyer <
            ann@buyer.test> wrote:
            > I am out of the office until 12 March 2027 and will reply when I return.
            """;

        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(Email(body)));
    }

    [Fact]
    public void Text_below_an_outlook_reply_header_is_not_read()
    {
        var body = """
            Call me Thursday.

            From: Rita Rep <rita@acme.test>
            Sent: Monday, March 1, 2027 10:00 AM
            To: Ann Buyer <ann@buyer.test>
            Subject: Quick question

            I am out of the office until 12 March and will reply when I return.
            """;

        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(Email(body)));
    }

    [Theory]
    [InlineData("Re: Quick question")]
    [InlineData("Re: Back in the office next week")]
    [InlineData("Re: Automatic replies are a pain, right")]
    [InlineData("Re: Cooperation on the rail project")]
    [InlineData("Out-of-band question")]
    public void Ordinary_subjects_are_human(string subject)
    {
        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(Email(subject: subject)));
    }

    // ------------------------------------------------------------ auto-reply headers

    [Theory]
    [InlineData("auto-submitted", "auto-replied", "header:auto-submitted")]
    [InlineData("auto-submitted", "auto-generated", "header:auto-submitted")]
    [InlineData("auto-submitted", "auto-replied; owner-email=\"ann@buyer.test\"", "header:auto-submitted")]
    [InlineData("auto-submitted", "auto-notified", "header:auto-submitted")]
    [InlineData("x-autoreply", "yes", "header:x-autoreply")]
    [InlineData("x-autorespond", "Out of office", "header:x-autorespond")]
    [InlineData("x-autoresponder", "1", "header:x-autoresponder")]
    [InlineData("precedence", "auto_reply", "header:precedence")]
    [InlineData("precedence", "bulk", "header:precedence")]
    [InlineData("precedence", "Junk", "header:precedence")]
    [InlineData("x-ms-exchange-inbox-rules-loop", "ann@buyer.test", "header:x-ms-exchange-inbox-rules-loop")]
    [InlineData("content-type", "multipart/report; report-type=disposition-notification", "header:content-type")]
    public void Each_auto_reply_header_alone_marks_an_auto_reply(string name, string value, string signal)
    {
        var result = InboundClassifier.Classify(Email(headers: Header(name, value)));

        Assert.Equal(signal, Assert.IsType<InboundClass.AutoReply>(result).Signal);
    }

    [Theory]
    [InlineData("auto-submitted", "no")]
    [InlineData("auto-submitted", "No ; comment")]
    [InlineData("precedence", "list")]
    [InlineData("x-auto-response-suppress", "All")]
    [InlineData("x-mailer", "Microsoft Outlook 16.0")]
    public void Headers_that_do_not_mean_auto_reply_leave_a_human_reply_human(string name, string value)
    {
        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(Email(headers: Header(name, value))));
    }

    [Fact]
    public void Exchange_suppress_header_with_an_automatic_reply_subject_names_the_header()
    {
        var result = InboundClassifier.Classify(Email(subject: "Automatic reply: Quick question", headers: Header("x-auto-response-suppress", "All")));

        Assert.Equal("header:x-auto-response-suppress", Assert.IsType<InboundClass.AutoReply>(result).Signal);
    }

    [Fact]
    public void An_empty_return_path_marks_an_auto_reply()
    {
        var result = InboundClassifier.Classify(Email(returnPath: ""));

        Assert.Equal("header:return-path", Assert.IsType<InboundClass.AutoReply>(result).Signal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bounces+ann=buyer.test@mail.buyer.test")]
    public void A_missing_or_real_return_path_says_nothing(string? returnPath)
    {
        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(Email(returnPath: returnPath)));
    }

    [Fact]
    public void An_auto_reply_found_by_header_still_reads_the_return_date_from_the_text()
    {
        var result = InboundClassifier.Classify(Email(
            "Thank you for your message. I am back on 15 March.", headers: Header("auto-submitted", "auto-replied")));

        Assert.Equal(new DateOnly(2027, 3, 15), Assert.IsType<InboundClass.AutoReply>(result).ReturnDate);
    }

    [Fact]
    public void A_return_date_in_the_subject_counts()
    {
        var result = InboundClassifier.Classify(Email("Thank you for your email.", subject: "Out of office until 20 March"));

        Assert.Equal(new DateOnly(2027, 3, 20), Assert.IsType<InboundClass.AutoReply>(result).ReturnDate);
    }

    // ------------------------------------------------------------ auto-reply subjects

    [Theory]
    [InlineData("Automatic reply: Quick question")]
    [InlineData("Auto-Reply: Quick question")]
    [InlineData("Autoreply: Quick question")]
    [InlineData("Auto Reply - Quick question")]
    [InlineData("Out of Office: Quick question")]
    [InlineData("Out of the office")]
    [InlineData("OOO until Monday")]
    [InlineData("Abwesenheitsnotiz: Quick question")]
    [InlineData("Automatische Antwort: Quick question")]
    [InlineData("Réponse automatique : Quick question")]
    [InlineData("Absence du bureau")]
    [InlineData("Respuesta automática: Quick question")]
    [InlineData("Fuera de la oficina")]
    [InlineData("Risposta automatica: Quick question")]
    [InlineData("Automatisch antwoord: Quick question")]
    [InlineData("Afwezigheid")]
    [InlineData("Resposta automática: Quick question")]
    [InlineData("RE: Out of office")]
    [InlineData("AW: Abwesenheitsnotiz")]
    [InlineData("Re: [Auto-Reply] Quick question")]
    [InlineData("automatic REPLY: lower and upper case")]
    [InlineData("Ann Buyer is out of the office.")]
    public void Localized_auto_reply_subjects_mark_an_auto_reply(string subject)
    {
        var result = InboundClassifier.Classify(Email(subject: subject));

        Assert.Equal("subject", Assert.IsType<InboundClass.AutoReply>(result).Signal);
    }

    // ------------------------------------------------------------ auto-reply bodies

    [Theory]
    [InlineData("Thank you for your email. I am out of the office until 12 March 2027 with limited access to email.", "2027-03-12")]
    [InlineData("Hi, I'm on annual leave and will reply to your message when I return.", null)]
    [InlineData("I am currently away from the office. I will respond to your email upon my return on March 15th.", "2027-03-15")]
    [InlineData("Thanks for your note! I'm on vacation, back on 8 March. For urgent matters contact bob@buyer.test.", "2027-03-08")]
    [InlineData("Vielen Dank für Ihre Nachricht. Ich bin bis zum 12.03. nicht im Büro und ab dem 15.03.2027 wieder erreichbar.", "2027-03-12")]
    [InlineData("Ich bin im Urlaub und beantworte Ihre Nachricht nach meiner Rückkehr.", null)]
    [InlineData("Bonjour, je suis absent du bureau et serai de retour le 12 mars.", "2027-03-12")]
    [InlineData("Je suis en congé. Je vous répondrai à mon retour.", null)]
    [InlineData("Estoy fuera de la oficina hasta el 12 de marzo.", "2027-03-12")]
    public void An_out_of_office_body_with_a_return_is_an_auto_reply_even_without_headers(string body, string? returnDate)
    {
        var result = InboundClassifier.Classify(Email(body));

        var auto = Assert.IsType<InboundClass.AutoReply>(result);
        Assert.Equal(("body", Day(returnDate)), (auto.Signal, auto.ReturnDate));
    }

    [Theory]
    [InlineData("I am out of the office today.")]
    [InlineData("We are on holiday next week.")]
    [InlineData("I will reply when I return from lunch.")]
    public void An_absence_without_a_return_or_a_return_without_an_absence_is_not_enough(string body)
    {
        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(Email(body)));
    }

    // ------------------------------------------------------------ delivery status reports

    private static DeliveryReport Report(params DeliveryStatus[] recipients) => new(recipients, Ours);

    private static DeliveryStatus Rcpt(string action, string status, string? diagnostic = null, string recipient = "ann@buyer.test") =>
        new(recipient, action, status, diagnostic);

    [Theory]
    [InlineData("5.1.1", true)]
    [InlineData("5.0.0", false)] // says nothing about why: soft (three of them escalate)
    [InlineData("5.7.1", false)] // a policy or spam refusal: the address may work
    [InlineData("5.1.10", true)]
    [InlineData("5.2.2", false)]
    [InlineData("4.4.7", false)]
    [InlineData("4.2.2", false)]
    [InlineData("5.0.0 (permanent failure)", false)]
    [InlineData("5.1.2", true)]
    [InlineData("5.1.6", true)]
    public void A_failed_recipient_is_a_hard_bounce_only_when_its_status_says_the_address_is_bad(string status, bool hard)
    {
        var result = InboundClassifier.Classify(Email(from: "mailer-daemon@mx.acme.test", report: Report(Rcpt("failed", status))));

        var bounce = Assert.IsType<InboundClass.Bounce>(result);
        Assert.Equal(hard, bounce.Hard);
        Assert.Equal(Ours, bounce.OriginalMessageId);
        Assert.Equal("ann@buyer.test", Assert.Single(bounce.Failed).Recipient);
    }

    [Theory]
    [InlineData("smtp; 550 5.1.1 <ann@buyer.test>: Recipient address rejected", true)]
    [InlineData("smtp; 550 Requested action not taken: mailbox unavailable", false)] // generic: many systems say it of policy refusals too
    [InlineData("smtp; 552 Mailbox full", false)]
    [InlineData("smtp; 451 Try again later", false)]
    [InlineData(null, false)]
    public void Without_a_readable_status_the_diagnostic_decides_and_nothing_readable_is_soft(string? diagnostic, bool hard)
    {
        var result = InboundClassifier.Classify(Email(report: Report(Rcpt("failed", "", diagnostic))));

        Assert.Equal(hard, Assert.IsType<InboundClass.Bounce>(result).Hard);
    }

    [Theory]
    [InlineData("delayed", "4.4.7")]
    [InlineData("delivered", "2.0.0")]
    [InlineData("relayed", "2.0.0")]
    [InlineData("expanded", "2.0.0")]
    public void A_report_without_failures_is_a_delivery_notice(string action, string status)
    {
        var result = InboundClassifier.Classify(Email(report: Report(Rcpt(action, status))));

        var notice = Assert.IsType<InboundClass.DeliveryNotice>(result);
        Assert.Equal(action, Assert.Single(notice.Statuses).Action);
        Assert.Equal(Ours, notice.OriginalMessageId);
    }

    [Fact]
    public void Only_failed_recipients_are_listed_and_one_permanent_failure_makes_it_hard()
    {
        var report = Report(
            Rcpt("delivered", "2.0.0", recipient: "bob@buyer.test"),
            Rcpt("failed", "4.4.7", recipient: "carl@buyer.test"),
            Rcpt("Failed", "5.1.1"));

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(Email(report: report)));

        Assert.True(bounce.Hard);
        Assert.Equal(["carl@buyer.test", "ann@buyer.test"], bounce.Failed.Select(f => f.Recipient));
    }

    [Fact]
    public void A_report_wins_over_auto_reply_headers()
    {
        var email = Email(headers: Header("auto-submitted", "auto-replied"), returnPath: "", report: Report(Rcpt("failed", "5.1.1")));

        Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email));
    }

    [Fact]
    public void A_report_without_the_returned_message_falls_back_to_in_reply_to()
    {
        var email = Email(report: new DeliveryReport([Rcpt("failed", "5.1.1")], null));

        Assert.Equal(Ours, Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email)).OriginalMessageId);
    }

    // ------------------------------------------------------------ plain-text bounces

    private const string PostfixText = """
        This is the mail system at host mx.acme.test.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        <ann@buyer.test>: host mx.buyer.test[203.0.113.25] said: 550 5.1.1
            <ann@buyer.test>: Recipient address rejected: User unknown (in reply to RCPT TO command)
        """;

    [Fact]
    public void A_mailer_daemon_notice_without_a_report_is_read_as_a_bounce()
    {
        var email = Email(PostfixText, "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.acme.test", returnPath: "", inReplyTo: null);

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email));

        Assert.True(bounce.Hard);
        var failed = Assert.Single(bounce.Failed);
        Assert.Equal(("ann@buyer.test", "failed", "5.1.1"), (failed.Recipient, failed.Action, failed.Status));
        Assert.Contains("550 5.1.1", failed.Diagnostic, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Undelivered Mail Returned to Sender")]
    [InlineData("Delivery Status Notification (Failure)")]
    [InlineData("Mail delivery failed: returning message to sender")]
    [InlineData("Undeliverable: Quick question")]
    [InlineData("Unzustellbar: Quick question")]
    [InlineData("failure notice")]
    public void Bounce_subjects_from_a_mail_daemon_are_bounces(string subject)
    {
        var email = Email("The message could not be delivered: 550 5.1.1 user unknown", subject, "postmaster@buyer.test", inReplyTo: null);

        Assert.True(Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email)).Hard);
    }

    [Theory]
    [InlineData("The following address failed:\n\n  ann@buyer.test\n    SMTP error from remote mail server after RCPT TO:<ann@buyer.test>:\n    550 No such user here", true)]
    [InlineData("Your message to ann@buyer.test couldn't be delivered. ann wasn't found at buyer.test: the address does not exist.", true)]
    [InlineData("Delivery to ann@buyer.test failed: 552 5.2.2 Mailbox full, quota exceeded", false)]
    [InlineData("Delivery to ann@buyer.test failed: 452 4.2.2 The email account is over quota", false)]
    [InlineData("Delivery to ann@buyer.test failed. The server did not say why.", false)]
    public void Plain_bounces_are_hard_for_permanent_codes_or_wording(string body, bool hard)
    {
        var email = Email(body, "Mail delivery failed", "mailer-daemon@mx.acme.test", inReplyTo: null);

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email));

        Assert.Equal(hard, bounce.Hard);
        Assert.Equal("ann@buyer.test", Assert.Single(bounce.Failed).Recipient);
    }

    [Fact]
    public void A_plain_bounce_takes_the_original_id_from_in_reply_to_first()
    {
        var email = Email(PostfixText, "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.acme.test");

        Assert.Equal(Ours, Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email)).OriginalMessageId);
    }

    [Fact]
    public void A_plain_bounce_takes_the_original_id_from_the_quoted_headers_otherwise()
    {
        var body = PostfixText + $"\n\n--- Original message headers ---\nFrom: Rita Rep <rita@acme.test>\nTo: ann@buyer.test\nMessage-ID: {Ours}\nSubject: Quick question\n";
        var email = Email(body, "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.acme.test", inReplyTo: null);

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email));

        Assert.Equal(Ours, bounce.OriginalMessageId);
        Assert.Equal("ann@buyer.test", Assert.Single(bounce.Failed).Recipient);
    }

    [Fact]
    public void The_failed_address_is_never_ours_nor_a_message_id()
    {
        var body = $"Message-ID: {Ours}\nFrom: rita@acme.test\nYour message could not be delivered to the recipient below.\n\n  bob@buyer.test\n";
        var email = Email(body, "Undeliverable: Quick question", "postmaster@buyer.test", inReplyTo: null);

        Assert.Equal("bob@buyer.test", Assert.Single(Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email)).Failed).Recipient);
    }

    [Fact]
    public void Exims_failed_recipients_header_names_the_address_before_the_text_does()
    {
        var email = Email("Delivery failed for carl@buyer.test: 550 5.1.1", "Mail delivery failed", "mailer-daemon@mx.acme.test",
            headers: Header("x-failed-recipients", "ann@buyer.test"), inReplyTo: null);

        Assert.Equal("ann@buyer.test", Assert.Single(Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email)).Failed).Recipient);
    }

    [Fact]
    public void A_plain_delay_warning_is_a_delivery_notice()
    {
        var email = Email("Delivery to ann@buyer.test has been delayed: 451 4.4.7 timeout. The server will retry.", "Delivery Status Notification (Delay)", "mailer-daemon@googlemail.com");

        var notice = Assert.IsType<InboundClass.DeliveryNotice>(InboundClassifier.Classify(email));

        var status = Assert.Single(notice.Statuses);
        Assert.Equal(("ann@buyer.test", "delayed", "4.4.7"), (status.Recipient, status.Action, status.Status));
    }

    [Fact]
    public void A_bounce_subject_from_a_person_is_not_a_bounce()
    {
        var email = Email("My reply to you bounced, resending: yes, let's meet.", "Undeliverable: Quick question", "ann@buyer.test");

        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(email));
    }

    [Fact]
    public void A_mailer_daemon_message_that_is_no_failure_notice_is_not_a_bounce()
    {
        var email = Email("Your mailbox is 80% full.", "Quota warning", "mailer-daemon@mx.acme.test", returnPath: "");

        Assert.IsType<InboundClass.AutoReply>(InboundClassifier.Classify(email));
    }

    // ------------------------------------------------------------ return dates

    [Theory]
    // English: month names either way round, weekday optional.
    [InlineData("I will be back on 12 March.", "2027-03-01", "2027-03-12")]
    [InlineData("back on March 12th", "2027-03-01", "2027-03-12")]
    [InlineData("Returning Monday, 12 March 2027.", null, "2027-03-12")]
    [InlineData("I'm out until the 12th of March.", "2027-03-01", "2027-03-12")]
    [InlineData("out of office till Mar. 12, 2027", null, "2027-03-12")]
    [InlineData("back in the office on 2027-03-12", null, "2027-03-12")]
    [InlineData("I return on Friday 12 March", "2027-03-01", "2027-03-12")]
    [InlineData("I'll be back by March 12", "2027-03-01", "2027-03-12")]
    [InlineData("away from 1 March through 12 March", "2027-02-20", "2027-03-12")]
    // Numeric dates are day first; month first only where day first is impossible.
    [InlineData("until 12/03", "2027-03-01", "2027-03-12")]
    [InlineData("until 03/12", "2027-03-01", "2027-12-03")]
    [InlineData("until 12/25", "2027-03-01", "2027-12-25")]
    [InlineData("until 12/03/27", null, "2027-03-12")]
    // German.
    [InlineData("Ich bin zurück am 12.03.", "2027-02-20", "2027-03-12")]
    [InlineData("ab dem 12.03.2027 wieder erreichbar", null, "2027-03-12")]
    [InlineData("bis zum 12.03. nicht im Büro", "2027-02-20", "2027-03-12")]
    [InlineData("Ab dem 01.03. bin ich nicht im Büro, ab dem 12.03. wieder erreichbar.", "2027-02-20", "2027-03-12")]
    [InlineData("ab dem 12.03. bin ich wieder erreichbar", "2027-02-20", "2027-03-12")]
    [InlineData("Ich bin ab Montag, 12.03. wieder im Büro.", "2027-02-20", "2027-03-12")]
    [InlineData("Ich bin zurück am Mo., 12. März 2027.", null, "2027-03-12")]
    [InlineData("bis einschließlich 12. Maerz", "2027-02-20", "2027-03-12")]
    // French.
    [InlineData("Je serai de retour le 12 mars.", "2027-03-01", "2027-03-12")]
    [InlineData("absent jusqu'au 12 mars 2027", null, "2027-03-12")]
    [InlineData("de retour le lundi 1er mars", "2027-02-20", "2027-03-01")]
    [InlineData("de retour le 12 févr.", "2027-02-01", "2027-02-12")]
    // Spanish.
    [InlineData("Estoy fuera hasta el 12 de marzo.", "2027-03-01", "2027-03-12")]
    [InlineData("hasta el 12 de marzo de 2027", null, "2027-03-12")]
    [InlineData("Estaré de vuelta el lunes 12/03.", "2027-03-01", "2027-03-12")]
    [InlineData("volveré el 3 de enero", "2026-12-20", "2027-01-03")]
    // Year inference: the next such date on or after the message's day.
    [InlineData("back on 3 January", "2026-12-20", "2027-01-03")]
    [InlineData("back on 12 March", "2027-03-12", "2027-03-12")]
    [InlineData("back on 12 March", "2027-03-13", "2028-03-12")]
    [InlineData("back on 29 February", "2027-01-10", "2028-02-29")]
    [InlineData("back on 31 December", "2026-12-31T23:30:00-05:00", "2026-12-31")]
    public void Return_dates_are_read_after_a_return_cue(string text, string? sentAt, string expected)
    {
        Assert.Equal(Day(expected), InboundClassifier.ReturnDate(text, Sent(sentAt)));
    }

    [Theory]
    [InlineData("back on Monday", "2027-03-01")]
    [InlineData("back on 12 March", null)]
    [InlineData("Ich bin ab dem 01.03. nicht im Büro.", "2027-02-20")]
    [InlineData("I am away from 12 March.", "2027-03-01")]
    [InlineData("In meetings until 17.30 today.", "2027-03-01")]
    [InlineData("until 10.11 am", "2027-03-01")]
    [InlineData("until 31 February 2027", null)]
    [InlineData("until 12.034", "2027-03-01")]
    [InlineData("Thanks for your email.", "2027-03-01")]
    [InlineData("", "2027-03-01")]
    [InlineData("until \u0661\u0662.\u0660\u0663.", "2027-03-01")]
    public void No_return_date_is_made_up(string text, string? sentAt)
    {
        Assert.Null(InboundClassifier.ReturnDate(text, Sent(sentAt)));
    }
}
