using MimeKit;
using Sequences.Core.Email;
using Sequences.Core.Inbound;
using Sequences.Email.Inbound;

namespace Sequences.Email.Tests.Inbound;

/// <summary>The sample messages in Fixtures/, as the endpoint would read them: parse, extract, classify.</summary>
public class InboundFixtureTests
{
    /// <summary>The Message-ID of the email every fixture answers or returns (enrollment 01ARZ…FAW, step 1).</summary>
    public const string Ours = "<01ARZ3NDEKTSV4RRFFQ69G5FAV-01ARZ3NDEKTSV4RRFFQ69G5FAW.s1.seq@acme.test>";

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Inbound", "Fixtures", name);

    public static MimeMessage Load(string name)
    {
        using var stream = File.OpenRead(FixturePath(name));
        return InboundMime.Parse(stream, CancellationToken.None);
    }

    public static InboundEmail Read(string name) => InboundMime.Extract(Load(name));

    [Theory]
    [InlineData("reply-gmail.eml")]
    [InlineData("reply-outlook.eml")]
    [InlineData("reply-applemail.eml")]
    [InlineData("human-mentions-vacation.eml")]
    public void Replies_are_human_and_lead_back_to_our_email(string name)
    {
        var email = Read(name);

        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(email));
        Assert.Equal(("ann@buyer.test", "Ann Buyer"), (email.From, email.FromName));
        Assert.Equal(Ours, email.InReplyTo);
        Assert.Equal([Ours], email.References);
        Assert.True(MessageIds.TryParse(email.InReplyTo, out var enrollment, out var step));
        Assert.Equal(("01ARZ3NDEKTSV4RRFFQ69G5FAV-01ARZ3NDEKTSV4RRFFQ69G5FAW", 1), (enrollment, step));
    }

    [Theory]
    [InlineData("ooo-gmail-to-gmail.eml", "header:auto-submitted", "2027-03-12")]
    [InlineData("ooo-outlook-to-outlook.eml", "header:x-ms-exchange-inbox-rules-loop", "2027-03-12")]
    [InlineData("ooo-gmail-read-in-outlook.eml", "body", "2027-03-15")]
    [InlineData("ooo-exchange-german.eml", "header:x-auto-response-suppress", "2027-03-12")]
    [InlineData("ooo-french.eml", "subject", "2027-03-12")]
    [InlineData("read-receipt.eml", "header:content-type", null)]
    public void Auto_replies_are_recognised_with_their_return_date(string name, string signal, string? returnDate)
    {
        var email = Read(name);

        var auto = Assert.IsType<InboundClass.AutoReply>(InboundClassifier.Classify(email));

        Assert.Equal(signal, auto.Signal);
        Assert.Equal(returnDate is null ? null : DateOnly.Parse(returnDate, System.Globalization.CultureInfo.InvariantCulture), auto.ReturnDate);
        Assert.Equal(Ours, email.InReplyTo);
    }

    [Fact]
    public void A_postfix_dsn_for_an_unknown_user_is_a_hard_bounce_of_our_email()
    {
        var email = Read("dsn-hard-550.eml");

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email));

        Assert.True(bounce.Hard);
        Assert.Equal(Ours, bounce.OriginalMessageId);
        var failed = Assert.Single(bounce.Failed);
        Assert.Equal(("ann@buyer.test", "failed", "5.1.1"), (failed.Recipient, failed.Action, failed.Status));
        Assert.Equal("smtp; 550 5.1.1 <ann@buyer.test>: Recipient address rejected: User unknown in virtual mailbox table", failed.Diagnostic);
        Assert.Equal("", email.ReturnPath);
    }

    [Fact]
    public void A_full_mailbox_is_a_soft_bounce_read_from_the_returned_headers()
    {
        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(Read("dsn-soft-mailbox-full.eml")));

        Assert.False(bounce.Hard);
        Assert.Equal(Ours, bounce.OriginalMessageId);
        Assert.Equal("5.2.2", Assert.Single(bounce.Failed).Status);
    }

    [Fact]
    public void A_delay_report_is_a_delivery_notice_not_a_bounce()
    {
        var email = Read("dsn-delayed.eml");

        var notice = Assert.IsType<InboundClass.DeliveryNotice>(InboundClassifier.Classify(email));

        Assert.Equal(Ours, notice.OriginalMessageId);
        var status = Assert.Single(notice.Statuses);
        Assert.Equal(("ann@buyer.test", "delayed", "4.4.7"), (status.Recipient, status.Action, status.Status));
        Assert.Equal("X-Postfix; connect to mx.buyer.test[203.0.113.25]:25: Connection timed out", status.Diagnostic);
    }

    [Fact]
    public void The_per_message_group_of_a_report_is_not_a_recipient()
    {
        var report = Read("dsn-hard-550.eml").Report;

        Assert.NotNull(report);
        Assert.DoesNotContain(report.Recipients, r => r.Recipient.Contains("mx.acme.test", StringComparison.Ordinal));
        Assert.Single(report.Recipients);
    }

    [Fact]
    public void A_plain_text_exim_bounce_is_a_hard_bounce_found_by_its_quoted_headers()
    {
        var email = Read("bounce-plaintext-mailer-daemon.eml");

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(email));

        Assert.Null(email.Report);
        Assert.True(bounce.Hard);
        Assert.Equal(Ours, bounce.OriginalMessageId);
        var failed = Assert.Single(bounce.Failed);
        Assert.Equal(("ann@buyer.test", "5.1.1"), (failed.Recipient, failed.Status));
    }

    [Fact]
    public void An_html_only_message_is_read_as_text_without_markup()
    {
        var email = Read("ooo-gmail-read-in-outlook.eml");

        Assert.StartsWith("Hello,\n\nThank you for your email. I am currently on annual leave", email.TextSnippet, StringComparison.Ordinal);
        Assert.DoesNotContain("<", email.TextSnippet, StringComparison.Ordinal);
        Assert.DoesNotContain("charset", email.TextSnippet, StringComparison.Ordinal);
    }

    [Fact]
    public void Encoded_subjects_and_bodies_are_decoded()
    {
        var email = Read("ooo-french.eml");

        Assert.Equal("Réponse automatique : Quick question", email.Subject);
        Assert.Contains("Je vous répondrai dès que possible.", email.TextSnippet, StringComparison.Ordinal);
        Assert.Contains("für Ihre Nachricht", Read("ooo-exchange-german.eml").TextSnippet, StringComparison.Ordinal);
    }

    [Fact]
    public void Transport_and_anti_spam_headers_are_not_kept()
    {
        var headers = Read("reply-outlook.eml").Headers;

        Assert.DoesNotContain(headers.Keys, k => k is "received" or "dkim-signature" or "x-forefront-antispam-report"
            || k.StartsWith("arc-", StringComparison.Ordinal) || k.StartsWith("x-microsoft-antispam", StringComparison.Ordinal));
        Assert.Equal("Quick question", headers["thread-topic"]);
        Assert.All(headers.Keys, k => Assert.Equal(k.ToLowerInvariant(), k));
    }

    [Fact]
    public void Addresses_dates_and_names_are_read_from_the_headers()
    {
        var email = Read("reply-applemail.eml");

        Assert.Equal(["rita@acme.test"], email.To);
        Assert.Equal(["bob@buyer.test"], email.Cc);
        Assert.Equal("<5E0A7C19-2B4D-4F8E-9C31-A6D2E8F4B710@buyer.test>", email.MessageId);
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 12, 3, 7, TimeSpan.FromHours(1)), email.Date);
        Assert.Equal("ann@buyer.test", email.ReturnPath);
        Assert.Equal("Buyer, Ann", Read("ooo-exchange-german.eml").FromName);
    }
}
