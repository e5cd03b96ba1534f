using System.Text.Json;
using Sequences.Core.Inbound;
using Sequences.Email.Inbound;

namespace Sequences.Email.Tests.Inbound;

public class InboundFormsTests
{
    private static string FixtureText(string name) => File.ReadAllText(InboundFixtureTests.FixturePath(name));

    private const string Body = "Hi Rita,\n\nyes, let's talk on Tuesday.\n\nAnn";

    /// <summary>The header block of a reply as SendGrid passes it in the parsed form's "headers" field.</summary>
    private const string HeaderBlock = """
        Received: by mx.sendgrid.test with SMTP id abc123 Mon, 01 Mar 2027 10:14:51 +0000 (UTC)
        From: Ann Buyer <ann@buyer.test>
        To: Rita Rep <rita@acme.test>
        Subject: =?utf-8?Q?Re:_Quick_question_=E2=80=93_pricing?=
        Date: Mon, 1 Mar 2027 11:14:39 +0100
        Message-ID: <reply-1@buyer.test>
        In-Reply-To: <01ARZ3NDEKTSV4RRFFQ69G5FAV-01ARZ3NDEKTSV4RRFFQ69G5FAW.s1.seq@acme.test>
        References: <01ARZ3NDEKTSV4RRFFQ69G5FAV-01ARZ3NDEKTSV4RRFFQ69G5FAW.s1.seq@acme.test>
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="000000000000gone"
        """;

    // ------------------------------------------------------------ SendGrid

    [Fact]
    public void SendGrid_raw_mime_is_the_message_itself_delivery_reports_included()
    {
        var message = InboundForms.FromSendGrid(new Dictionary<string, string>
        {
            ["email"] = FixtureText("dsn-hard-550.eml"),
            ["to"] = "rita@acme.test",
            ["from"] = "MAILER-DAEMON@mx.acme.test",
        });

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(InboundMime.Extract(message)));
        Assert.Equal(InboundFixtureTests.Ours, bounce.OriginalMessageId);
    }

    [Fact]
    public void SendGrid_parsed_fields_rebuild_the_reply_from_its_header_block()
    {
        var message = InboundForms.FromSendGrid(new Dictionary<string, string>
        {
            ["headers"] = HeaderBlock,
            ["from"] = "Ann Buyer <ann@buyer.test>",
            ["to"] = "Rita Rep <rita@acme.test>",
            ["subject"] = "Re: Quick question – pricing",
            ["text"] = Body,
            ["html"] = "<p>Hi Rita,</p><p>yes, let's talk on Tuesday.</p><p>Ann</p>",
            ["envelope"] = """{"to":["rita@acme.test"],"from":"ann@buyer.test"}""",
            ["charsets"] = """{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}""",
            ["SPF"] = "pass",
        });

        var email = InboundMime.Extract(message);

        Assert.Equal(("<reply-1@buyer.test>", "ann@buyer.test", "Re: Quick question – pricing"), (email.MessageId, email.From, email.Subject));
        Assert.Equal(InboundFixtureTests.Ours, email.InReplyTo);
        Assert.Equal(Body, email.TextSnippet);
        Assert.Equal("ann@buyer.test", email.ReturnPath);
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 11, 14, 39, TimeSpan.FromHours(1)), email.Date);
        Assert.StartsWith("multipart/alternative", email.Header("content-type"), StringComparison.Ordinal);
        Assert.DoesNotContain("000000000000gone", email.Header("content-type"), StringComparison.Ordinal);
        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(email));
    }

    [Fact]
    public void SendGrid_fields_fill_what_the_header_block_lacks_and_an_empty_envelope_sender_is_the_null_path()
    {
        var message = InboundForms.FromSendGrid(new Dictionary<string, string>
        {
            ["headers"] = "Message-ID: <ooo-1@buyer.test>\nDate: Mon, 1 Mar 2027 09:00:30 +0000\n",
            ["from"] = "Ann Buyer <ann@buyer.test>",
            ["subject"] = "Automatic reply: Quick question",
            ["html"] = "<p>I am out of the office until 12 March.</p>",
            ["envelope"] = """{"to":["rita@acme.test"],"from":""}""",
        });

        var email = InboundMime.Extract(message);

        Assert.Equal(("ann@buyer.test", "Automatic reply: Quick question", ""), (email.From, email.Subject, email.ReturnPath));
        Assert.Equal(["rita@acme.test"], email.To);
        Assert.Equal("I am out of the office until 12 March.", email.TextSnippet);
        var auto = Assert.IsType<InboundClass.AutoReply>(InboundClassifier.Classify(email));
        Assert.Equal(new DateOnly(2027, 3, 12), auto.ReturnDate);
    }

    [Fact]
    public void SendGrid_parsed_form_without_a_message_id_gets_the_same_derived_id_every_time()
    {
        var fields = new Dictionary<string, string> { ["from"] = "ann@buyer.test", ["text"] = "Yes.", ["headers"] = "Date: Mon, 1 Mar 2027 09:00:30 +0000" };

        var first = InboundMime.Extract(InboundForms.FromSendGrid(fields)).MessageId;
        var second = InboundMime.Extract(InboundForms.FromSendGrid(fields)).MessageId;

        Assert.Equal(first, second);
        Assert.EndsWith("@inbound.sequences>", first, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text", "just text", "neither")]
    [InlineData("email", "no headers here, only prose\n", "not a MIME message")]
    [InlineData("headers", "this is not a header line\n", "'headers'")]
    public void SendGrid_posts_without_a_usable_message_are_refused(string field, string value, string reason)
    {
        var e = Assert.Throws<MalformedInboundException>(() => InboundForms.FromSendGrid(new Dictionary<string, string> { [field] = value }));

        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SendGrid_envelope_that_is_not_json_is_refused()
    {
        var fields = new Dictionary<string, string> { ["from"] = "ann@buyer.test", ["envelope"] = "{to: nope" };

        var e = Assert.Throws<MalformedInboundException>(() => InboundForms.FromSendGrid(fields));

        Assert.Contains("'envelope'", e.Reason, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------ Mailgun

    [Fact]
    public void Mailgun_body_mime_is_the_message_itself()
    {
        var message = InboundForms.FromMailgun(new Dictionary<string, string>
        {
            ["body-mime"] = FixtureText("ooo-outlook-to-outlook.eml"),
            ["recipient"] = "rita@acme.test",
            ["sender"] = "ann@buyer.test",
            ["timestamp"] = "1803978031",
            ["token"] = "0123456789abcdef0123456789abcdef0123456789abcdef01",
            ["signature"] = "00",
        });

        var auto = Assert.IsType<InboundClass.AutoReply>(InboundClassifier.Classify(InboundMime.Extract(message)));
        Assert.Equal(new DateOnly(2027, 3, 12), auto.ReturnDate);
    }

    [Fact]
    public void Mailgun_parsed_fields_rebuild_the_message_from_the_header_pairs()
    {
        var pairs = new[]
        {
            new[] { "Received", "from mail.buyer.test by mxa.mailgun.test with ESMTP" },
            ["From", "Ann Buyer <ann@buyer.test>"],
            ["To", "Rita Rep <rita@acme.test>"],
            ["Subject", "Re: Quick question"],
            ["Date", "Mon, 1 Mar 2027 11:14:39 +0100"],
            ["Message-Id", "<reply-2@buyer.test>"],
            ["In-Reply-To", InboundFixtureTests.Ours],
            ["References", InboundFixtureTests.Ours],
            ["Auto-Submitted", "auto-replied"],
            ["Content-Type", "multipart/alternative; boundary=\"gone\""],
            ["Bad Name", "dropped"],
        };
        var message = InboundForms.FromMailgun(new Dictionary<string, string>
        {
            ["message-headers"] = JsonSerializer.Serialize(pairs),
            ["from"] = "Ann Buyer <ann@buyer.test>",
            ["sender"] = "ann@buyer.test",
            ["recipient"] = "rita@acme.test",
            ["subject"] = "Re: Quick question",
            ["body-plain"] = "I am on leave until 12 March.\n\n> quoted original",
            ["stripped-text"] = "I am on leave until 12 March.",
            ["body-html"] = "<p>I am on leave until 12 March.</p>",
        });

        var email = InboundMime.Extract(message);

        Assert.Equal(("<reply-2@buyer.test>", InboundFixtureTests.Ours, "ann@buyer.test"), (email.MessageId, email.InReplyTo, email.ReturnPath));
        Assert.Equal("I am on leave until 12 March.\n\n> quoted original", email.TextSnippet);
        Assert.Null(email.Header("bad name"));
        Assert.Equal("header:auto-submitted", Assert.IsType<InboundClass.AutoReply>(InboundClassifier.Classify(email)).Signal);
    }

    [Fact]
    public void Mailgun_header_fields_fill_in_when_there_are_no_header_pairs()
    {
        var message = InboundForms.FromMailgun(new Dictionary<string, string>
        {
            ["from"] = "Ann Buyer <ann@buyer.test>",
            ["sender"] = "",
            ["recipient"] = "rita@acme.test",
            ["subject"] = "Re: Quick question",
            ["Message-Id"] = "<reply-3@buyer.test>",
            ["In-Reply-To"] = InboundFixtureTests.Ours,
            ["References"] = InboundFixtureTests.Ours,
            ["stripped-text"] = "Sounds good.",
        });

        var email = InboundMime.Extract(message);

        Assert.Equal(("<reply-3@buyer.test>", InboundFixtureTests.Ours, "Sounds good."), (email.MessageId, email.InReplyTo, email.TextSnippet));
        Assert.Equal(["rita@acme.test"], email.To);
        Assert.Equal([InboundFixtureTests.Ours], email.References);
        Assert.Equal("", email.ReturnPath);
    }

    [Theory]
    [InlineData("body-plain", "only a body", "neither")]
    [InlineData("body-mime", "\u0000\u0001 binary", "not a MIME message")]
    [InlineData("message-headers", "{\"From\":\"ann@buyer.test\"}", "'message-headers'")]
    [InlineData("message-headers", "[[\"From\"", "'message-headers'")]
    public void Mailgun_posts_without_a_usable_message_are_refused(string field, string value, string reason)
    {
        var e = Assert.Throws<MalformedInboundException>(() => InboundForms.FromMailgun(new Dictionary<string, string> { [field] = value }));

        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }
}
