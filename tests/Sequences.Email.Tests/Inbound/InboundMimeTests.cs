using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using Sequences.Core.Inbound;
using Sequences.Email.Inbound;

namespace Sequences.Email.Tests.Inbound;

public class InboundMimeTests
{
    private static MimeMessage Parse(string raw) =>
        InboundMime.Parse(new MemoryStream(Encoding.UTF8.GetBytes(raw.ReplaceLineEndings("\r\n"))), CancellationToken.None);

    private static string Raw(string extraHeaders = "", string body = "Hello Rita.", string messageId = "Message-ID: <m1@buyer.test>\n") =>
        $"From: Ann Buyer <ann@buyer.test>\nTo: rita@acme.test\nSubject: Re: Quick question\n{messageId}{extraHeaders}Content-Type: text/plain; charset=utf-8\n\n{body}\n";

    // ------------------------------------------------------------ parsing

    public static TheoryData<byte[], string> NotEmails => new()
    {
        { [], "empty" },
        { [0x00, 0x01, 0xFF, 0xFE, 0x7F, 0x00, 0x13, 0x37, 0x0A, 0x0D, 0x0A, 0xC3, 0x28], "not a MIME message" },
        { Encoding.UTF8.GetBytes("Hello, this is just some text.\nIt has no headers at all.\n"), "not a MIME message" },
        { Encoding.UTF8.GetBytes("Subject: a lonely header\n\nNo sender, no id, no date.\n"), "none of the headers" },
        { Encoding.UTF8.GetBytes("X-Whatever: 1\nContent-Type: text/plain\n\nbody\n"), "none of the headers" },
    };

    [Theory]
    [MemberData(nameof(NotEmails))]
    public void Input_that_is_not_an_email_is_refused_with_a_reason(byte[] input, string reason)
    {
        var e = Assert.Throws<MalformedInboundException>(() => InboundMime.Parse(new MemoryStream(input), CancellationToken.None));

        Assert.Contains(reason, e.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(NotEmails))]
    public async Task Input_that_is_not_an_email_is_refused_when_read_asynchronously_too(byte[] input, string reason)
    {
        var e = await Assert.ThrowsAsync<MalformedInboundException>(() => InboundMime.ParseAsync(new MemoryStream(input), CancellationToken.None));

        Assert.Contains(reason, e.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_message_read_asynchronously_is_the_same_message()
    {
        var message = await InboundMime.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(Raw())), CancellationToken.None);

        Assert.Equal("<m1@buyer.test>", InboundMime.Extract(message).MessageId);
    }

    [Fact]
    public void A_message_without_a_from_mailbox_cannot_be_extracted()
    {
        var message = Parse("Message-ID: <m1@buyer.test>\nDate: Mon, 1 Mar 2027 10:00:00 +0000\nSubject: hi\n\nbody\n");

        var e = Assert.Throws<MalformedInboundException>(() => InboundMime.Extract(message));
        Assert.Contains("From", e.Reason, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------ ids

    [Fact]
    public void A_missing_message_id_is_derived_from_the_content_and_is_stable()
    {
        var first = InboundMime.Extract(Parse(Raw(messageId: "", body: "One.")));
        var again = InboundMime.Extract(Parse(Raw(messageId: "", body: "One.")));
        var other = InboundMime.Extract(Parse(Raw(messageId: "", body: "Two.")));

        Assert.Matches(new Regex("^<[0-9a-f]{64}@inbound\\.sequences>$"), first.MessageId);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.MessageId, other.MessageId);
    }

    [Fact]
    public void Ids_keep_their_angle_brackets()
    {
        var email = InboundMime.Extract(Parse(Raw("In-Reply-To: <a@acme.test>\nReferences: <r1@acme.test>\n <a@acme.test>\n")));

        Assert.Equal(("<m1@buyer.test>", "<a@acme.test>"), (email.MessageId, email.InReplyTo));
        Assert.Equal(["<r1@acme.test>", "<a@acme.test>"], email.References);
    }

    [Fact]
    public void Absent_subject_and_date_are_empty_and_null()
    {
        var email = InboundMime.Extract(Parse("From: ann@buyer.test\nMessage-ID: <m1@buyer.test>\n\nbody\n"));

        Assert.Equal(("", null, null), (email.Subject, email.Date, email.FromName));
        Assert.Empty(email.To);
        Assert.Null(email.Report);
    }

    // ------------------------------------------------------------ return path

    [Theory]
    [InlineData(null, null)]
    [InlineData("Return-Path: <>\n", "")]
    [InlineData("Return-Path: < >\n", "")]
    [InlineData("Return-Path: <bounces+ann=buyer.test@mail.buyer.test>\n", "bounces+ann=buyer.test@mail.buyer.test")]
    [InlineData("Return-Path: ann@buyer.test\n", "ann@buyer.test")]
    public void Return_path_is_null_when_absent_empty_for_the_null_path_and_the_address_otherwise(string? header, string? expected)
    {
        Assert.Equal(expected, InboundMime.Extract(Parse(Raw(header ?? ""))).ReturnPath);
    }

    // ------------------------------------------------------------ headers

    [Fact]
    public void Headers_stay_within_the_budget_with_long_values_cut_and_later_small_ones_kept()
    {
        var big = string.Concat(Enumerable.Range(0, 30).Select(i => $"X-Big-{i:D2}: {new string('a', 3000)}\n"));
        var email = InboundMime.Extract(Parse(Raw(big + "X-Autoreply: yes\n")));

        var size = email.Headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + Encoding.UTF8.GetByteCount(h.Value));
        Assert.InRange(size, InboundMime.HeaderBudget - 1100, InboundMime.HeaderBudget);
        Assert.Equal(InboundMime.MaxHeaderValueLength, email.Headers["x-big-00"].Length);
        Assert.Equal("yes", email.Header("X-Autoreply"));
        Assert.False(email.Headers.ContainsKey("x-big-29"));
    }

    [Fact]
    public void The_first_occurrence_of_a_header_wins_and_folded_values_are_one_line()
    {
        var email = InboundMime.Extract(Parse(Raw("X-Thing: first\n  continued\nX-Thing: second\n")));

        Assert.Equal("first continued", email.Header("x-thing"));
    }

    [Fact]
    public void Typed_fields_are_not_repeated_in_the_headers_but_the_content_type_is_kept()
    {
        var email = InboundMime.Extract(Parse(Raw("Date: Mon, 1 Mar 2027 10:00:00 +0000\nReturn-Path: <ann@buyer.test>\n")));

        Assert.DoesNotContain(email.Headers.Keys, k => k is "from" or "to" or "subject" or "message-id" or "date" or "return-path");
        Assert.Equal("text/plain; charset=utf-8", email.Header("content-type"));
    }

    // ------------------------------------------------------------ text

    [Fact]
    public void The_text_snippet_is_cut_at_its_limit()
    {
        var email = InboundMime.Extract(Parse(Raw(body: new string('x', 20_000))));

        Assert.Equal(InboundMime.MaxSnippetLength, email.TextSnippet.Length);
    }

    [Fact]
    public void Html_blockquotes_become_quoted_lines_so_a_quoted_out_of_office_is_not_the_writers()
    {
        var html = "<html><head><style>p{}</style><title>t</title></head><body><p>Sounds good &amp; thanks.</p>"
            + "<blockquote><p>I am out of the office until 12 March and will reply when I return.</p></blockquote></body></html>";
        var raw = $"From: ann@buyer.test\nMessage-ID: <m1@buyer.test>\nContent-Type: text/html; charset=utf-8\n\n{html}\n";

        var email = InboundMime.Extract(Parse(raw));

        Assert.Equal("Sounds good & thanks.\n\n> I am out of the office until 12 March and will reply when I return.", email.TextSnippet);
        Assert.IsType<InboundClass.Human>(InboundClassifier.Classify(email));
    }

    [Fact]
    public void A_report_nested_in_a_mixed_multipart_is_found()
    {
        var report = InboundFixtureTests.Load("dsn-hard-550.eml").Body ?? throw new InvalidOperationException("The fixture has no body.");
        var wrapped = new MimeMessage(InboundFixtureTests.Load("dsn-hard-550.eml").Headers.Select(h => h.Clone()).ToList())
        {
            Body = new Multipart("mixed") { new TextPart("plain") { Text = "Forwarded by the gateway." }, report },
        };

        var email = InboundMime.Extract(wrapped);

        Assert.Equal(InboundFixtureTests.Ours, email.Report?.OriginalMessageId);
    }
}
