using System.Net;
using Sequences.Core.Email;
using Sequences.Core.Engine;
using Sequences.Core.Model;
using Sequences.Core.Rendering;
using static Sequences.Core.Tests.Fixtures;

namespace Sequences.Core.Tests;

public class ComposeAndTokenTests
{
    private static readonly byte[] Key = new byte[32];
    private static readonly Uri BaseUrl = new("https://seq.example.test/");

    [Fact]
    public void Token_values_are_html_encoded_in_the_html_part_only()
    {
        var contact = Contact() with { FirstName = "<Ann & Co>" };
        var seq = Sequence(Mail(subject: "Hi {{ contact.firstName }}", body: "Dear {{ contact.firstName }},\n\nSee you."));
        var email = EmailComposer.Compose(Waiting(), seq, 1, contact, Sender(), BaseUrl, Key, Monday9);
        Assert.Contains("Dear &lt;Ann &amp; Co&gt;,", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Dear <Ann & Co>,", email.TextBody, StringComparison.Ordinal);
        Assert.Equal("Hi <Ann & Co>", email.Subject);
    }

    [Fact]
    public void Every_token_source_renders()
    {
        var contact = Contact(properties: new() { ["industry"] = "rail" });
        var e = Waiting() with { Tokens = new Dictionary<string, string> { ["meetingLink"] = "https://cal.test/rita" } };
        var seq = Sequence(Mail(body: "{{ contact.firstName }} {{ contact.company }} {{ contact.properties.industry }} {{ contact.industry }} {{ sender.name }} {{ sender.firstName }} {{ meetingLink }} {{ tokens.meetingLink }}"));
        var email = EmailComposer.Compose(e, seq, 1, contact, Sender(), BaseUrl, Key, Monday9);
        Assert.Contains("Ann Buyer Inc rail rail Rita Rep Rita https://cal.test/rita https://cal.test/rita", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subject_token_with_line_breaks_cannot_add_header_lines()
    {
        var contact = Contact() with { FirstName = "Ann\r\nBcc: evil@x.test" };
        var email = EmailComposer.Compose(Waiting(), Sequence(Mail()), 1, contact, Sender(), BaseUrl, Key, Monday9);
        Assert.DoesNotContain('\n', email.Subject);
        Assert.DoesNotContain('\r', email.Subject);
    }

    [Fact]
    public void Follow_ups_without_a_subject_reply_in_the_first_emails_thread()
    {
        var seq = Sequence(Mail(), Mail("P1D", subject: null));
        var e = Waiting(step: 2) with { ThreadMessageId = "<first@acme.test>", ThreadSubject = "Hello Ann" };
        var email = EmailComposer.Compose(e, seq, 2, Contact(), Sender(), BaseUrl, Key, Monday9);
        Assert.Equal("Re: Hello Ann", email.Subject);
        Assert.Equal("<first@acme.test>", email.InReplyTo);
        Assert.Equal(["<first@acme.test>"], email.References);
    }

    [Fact]
    public void A_follow_up_with_its_own_subject_starts_a_new_thread()
    {
        var seq = Sequence(Mail(), Mail("P1D", subject: "Something else"));
        var e = Waiting(step: 2) with { ThreadMessageId = "<first@acme.test>", ThreadSubject = "Hello Ann" };
        var email = EmailComposer.Compose(e, seq, 2, Contact(), Sender(), BaseUrl, Key, Monday9);
        Assert.Equal("Something else", email.Subject);
        Assert.Null(email.InReplyTo);
    }

    [Fact]
    public void Message_id_and_idempotency_key_derive_from_enrollment_and_step()
    {
        var seq = Sequence(Mail());
        var a = EmailComposer.Compose(Waiting(), seq, 1, Contact(), Sender(), BaseUrl, Key, Monday9);
        var b = EmailComposer.Compose(Waiting(), seq, 1, Contact(), Sender(), BaseUrl, Key, Monday9.AddHours(1));
        Assert.Equal(a.MessageId, b.MessageId);
        Assert.Equal(a.IdempotencyKey, b.IdempotencyKey);
        Assert.True(MessageIds.TryParse(a.MessageId, out var enrollmentId, out var step));
        Assert.Equal(("e1", 1), (enrollmentId, step));
        Assert.EndsWith("@acme.test>", a.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unsubscribe_link_is_visible_and_carries_a_verifiable_token()
    {
        var email = EmailComposer.Compose(Waiting(), Sequence(Mail()), 1, Contact(), Sender(), BaseUrl, Key, Monday9);
        Assert.StartsWith("https://seq.example.test/unsubscribe/", email.UnsubscribeUrl, StringComparison.Ordinal);
        Assert.Contains(email.UnsubscribeUrl, email.TextBody, StringComparison.Ordinal);
        Assert.Contains("unsubscribe", email.HtmlBody, StringComparison.Ordinal);
        var token = email.UnsubscribeUrl[(email.UnsubscribeUrl.LastIndexOf('/') + 1)..];
        Assert.Equal(new UnsubscribeLink("c1", "e1", "ann@buyer.test"), UnsubscribeToken.Read([Key], token));
    }

    [Fact]
    public void A_tampered_or_foreign_unsubscribe_token_is_refused()
    {
        var token = UnsubscribeToken.Create(Key, "c1", "e1", "ann@buyer.test");
        byte[] other = [1, .. new byte[31]];
        Assert.Null(UnsubscribeToken.Read([other], token));
        var forged = UnsubscribeToken.Create(Key, "c2", "e1", "ann@buyer.test");
        var mixed = forged[..forged.IndexOf('.', StringComparison.Ordinal)] + token[token.IndexOf('.', StringComparison.Ordinal)..];
        Assert.Null(UnsubscribeToken.Read([Key], mixed));
        Assert.Null(UnsubscribeToken.Read([Key], "garbage"));
    }

    [Fact]
    public void A_link_signed_by_a_previous_key_is_still_accepted_after_rotation()
    {
        byte[] next = [7, .. new byte[31]];
        var token = UnsubscribeToken.Create(Key, "c1", "e1", "ann@buyer.test");
        Assert.NotNull(UnsubscribeToken.Read([next, Key], token));
        Assert.Null(UnsubscribeToken.Read([next], token));
    }

    [Fact]
    public void Plain_text_bodies_become_paragraphs_in_html()
    {
        var html = EmailContent.BodyAsHtmlSource("Hi {{ contact.firstName }},\nline two\n\nNew <para>");
        Assert.Equal("<p>Hi {{ contact.firstName }},<br>\nline two</p>\n<p>New &lt;para&gt;</p>\n", html);
    }

    [Fact]
    public void Referenced_tokens_skip_locals_and_defaulted_values()
    {
        var tokens = TemplateEngine.ReferencedTokens("{% assign x = 1 %}{{ x }}{% for i in contact.properties.list %}{{ i }}{% endfor %}{{ a | default: b }}{{ sender.name | upcase }}");
        Assert.Equal(["b", "contact.properties.list", "sender.name"], tokens.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Bulk_operation_messages_round_trip_and_bad_ones_are_refused()
    {
        var op = BulkOperation.Create(BulkOperation.End, BulkOperation.SenderScope, "u1", EndReasons.SenderDeactivated) with { Continuation = "next" };
        Assert.Equal(op, BulkOperation.Parse(op.ToJson()));
        Assert.Throws<FormatException>(() => BulkOperation.Parse("not json"));
        Assert.Throws<FormatException>(() => BulkOperation.Parse("{\"op\":\"explode\",\"scope\":\"sender\",\"id\":\"u1\"}"));
    }

    [Fact]
    public void Task_ids_derive_from_enrollment_and_step()
    {
        Assert.Equal("0199aa-3", TaskItem.IdFor("0199aa", 3));
        Assert.True(TaskItem.TryParseId("0199aa-3", out var e, out var s));
        Assert.Equal(("0199aa", 3), (e, s));
        Assert.False(TaskItem.TryParseId("nodash", out _, out _));
        Assert.False(TaskItem.TryParseId("x-0", out _, out _));
    }
}

public class IdTests
{
    [Fact]
    public void Ids_are_26_base32_digits_and_sort_by_creation_time()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => Engine.Ids.FromGuid(Guid.CreateVersion7())).ToList();
        Assert.All(ids, id => Assert.Matches("^[0-9a-hjkmnp-tv-z]{26}$", id));
        Assert.Equal(50, ids.Distinct().Count());
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids.OrderBy(id => id, StringComparer.Ordinal));
        var first = Engine.Ids.FromGuid(new Guid("00000000-0000-7000-8000-000000000000"));
        var later = Engine.Ids.FromGuid(new Guid("00000001-0000-7000-8000-000000000000"));
        Assert.True(string.CompareOrdinal(first, later) < 0);
    }

    [Fact]
    public void An_enrollment_id_names_its_sequence()
    {
        var id = Engine.Ids.Enrollment("seqid", "own");
        Assert.True(Engine.Ids.TrySequenceOf(id, out var seq));
        Assert.Equal("seqid", seq);
        Assert.False(Engine.Ids.TrySequenceOf("nodash", out _));
        Assert.False(Engine.Ids.TrySequenceOf("trailing-", out _));
        Assert.False(Engine.Ids.TrySequenceOf(null, out _));
    }

    [Theory]
    [InlineData("Hi\r\nBcc: all@victim.test", "Hi Bcc: all@victim.test")]
    [InlineData("Hi\0there", "Hi there")]
    [InlineData("Ann\u202Egnp.exe", "Anngnp.exe")]
    [InlineData("Z\u200Be\u200Dro\uFEFF", "Zero")]
    [InlineData("  🎉 Launch\t day  ", "🎉 Launch day")]
    public void Header_text_cannot_carry_line_breaks_controls_or_invisible_characters(string raw, string clean) =>
        Assert.Equal(clean, HeaderText.Clean(raw));

    [Theory]
    [InlineData("ann@buyer.test", true)]
    [InlineData("a@[127.0.0.1]", false)]
    [InlineData("ann@buyer.test, bob@buyer.test", false)]
    [InlineData("Ann <ann@buyer.test>", false)]
    [InlineData("group: ann@buyer.test;", false)]
    [InlineData("ann(comment)@buyer.test", false)]
    public void An_address_field_holds_exactly_one_plain_address(string address, bool ok) =>
        Assert.Equal(ok, Validation.FieldErrors.IsEmail(address));

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JaVa&#x09;Script:alert(1)")]
    [InlineData("data:text/html;base64,PHNjcmlwdD4=")]
    [InlineData(" vbscript:x")]
    public void A_token_that_puts_a_script_link_in_an_href_fails_the_step(string link)
    {
        var body = "<p><a href=\"{{ meetingLink }}\">Book</a></p>";
        var e = Waiting() with { Tokens = new Dictionary<string, string> { ["meetingLink"] = WebUtility.HtmlDecode(link) } };
        var failure = Assert.Throws<TemplateException>(() => EmailComposer.Compose(e, Sequence(Mail(body: body)), 1, Contact(), Sender(), new Uri("https://seq.example.test/"), new byte[32], Monday9));
        Assert.Equal(Errors.ErrorCodes.TemplateRenderFailed, failure.Code);
    }

    [Theory]
    [InlineData("https://cal.example/ann")]
    [InlineData("mailto:rita@acme.test")]
    [InlineData("tel:+1555")]
    [InlineData("/relative/path:with-colon")]
    [InlineData("#top")]
    public void Ordinary_links_pass(string link) =>
        Assert.Null(Links.FirstUnsafe($"<a href=\"{link}\">x</a>"));
}
