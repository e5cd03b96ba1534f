using System.Text;
using Sequences.Core.Inbound;
using Sequences.Email.Inbound;
using Sequences.Testing;

namespace Sequences.Email.Tests.Inbound;

/// <summary>
/// The labelled bounces in tests/fixtures/bounces (Postfix, Exim, Sendmail, Exchange and Office 365,
/// Gmail and Google Workspace, Amazon SES, Mimecast, Domino, PowerMTA, Tencent, qmail, McAfee,
/// Yahoo and generic wording for every reason), read as the endpoint reads them: each one's reason
/// and whether it is hard. What the app then does with the contact is tested end to end.
/// </summary>
public class BounceFixtureTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Bounces");

    public static TheoryData<string, bool, string> Cases()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var c in new BounceCheck(new HttpClient(), Folder).Cases())
        {
            data.Add(c.File, c.ExpectHard, c.ExpectReason!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_bounce_is_read_for_its_reason_and_suppresses_only_when_the_address_is_bad(string file, bool hard, string reason)
    {
        var raw = File.ReadAllText(Path.Combine(Folder, file))
            .Replace("{{RECIPIENT}}", "ann@buyer.test", StringComparison.Ordinal)
            .Replace("{{MESSAGE_ID}}", InboundFixtureTests.Ours, StringComparison.Ordinal)
            .Replace("{{SENDER}}", "rita@acme.test", StringComparison.Ordinal);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(raw));

        var bounce = Assert.IsType<InboundClass.Bounce>(InboundClassifier.Classify(InboundMime.Extract(InboundMime.Parse(stream, CancellationToken.None))));

        var failed = Assert.Single(bounce.Failed);
        Assert.Equal("ann@buyer.test", failed.Recipient);
        Assert.Equal((reason, hard), (failed.Verdict.Code, failed.Verdict.Hard));
        Assert.Equal(hard, bounce.Hard);
        Assert.Equal(InboundFixtureTests.Ours, bounce.OriginalMessageId);
    }

    [Theory]
    [InlineData(null, "550 5.1.1 <ann@buyer.test>: Recipient address rejected: User unknown", BounceReason.UserUnknown, true)]
    [InlineData(null, "554 5.7.1 <ann@buyer.test>: Relay access denied", BounceReason.RelayDenied, false)]
    [InlineData(null, "550 5.1.1 Blocked by policy: your IP is listed on a blocklist", BounceReason.Blocked, false)]
    [InlineData("4.7.0", "421 4.7.0 [TSS04] Messages temporarily deferred", BounceReason.Blocked, false)]
    [InlineData("4.1.1", "450 4.1.1 <ann@buyer.test>: Recipient address rejected: User unknown", BounceReason.UserUnknown, true)]
    [InlineData("5.0.0", "", BounceReason.Undetermined, false)]
    public void Reasons_come_from_the_text_then_the_codes_and_only_address_failures_are_hard(string? status, string diagnostic, BounceReason reason, bool hard)
    {
        var verdict = BounceReasons.Classify(status, diagnostic);
        Assert.Equal((reason, hard), (verdict.Reason, verdict.Hard));
    }
}
