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
        Assert.True(UnsubscribeToken.TryRead(Key, token, out var contactId, out var enrollmentId));
        Assert.Equal(("c1", "e1"), (contactId, enrollmentId));
    }

    [Fact]
    public void A_tampered_or_foreign_unsubscribe_token_is_refused()
    {
        var token = UnsubscribeToken.Create(Key, "c1", "e1");
        Assert.False(UnsubscribeToken.TryRead(new byte[32] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, token, out _, out _));
        var forged = UnsubscribeToken.Create(Key, "c2", "e1");
        var mixed = forged[..forged.IndexOf('.', StringComparison.Ordinal)] + token[token.IndexOf('.', StringComparison.Ordinal)..];
        Assert.False(UnsubscribeToken.TryRead(Key, mixed, out _, out _));
        Assert.False(UnsubscribeToken.TryRead(Key, "garbage", out _, out _));
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
}
