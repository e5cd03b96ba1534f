using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sequences.Email.Inbound;

namespace Sequences.Email.Tests.Inbound;

public class MailgunSignatureTests
{
    private const string Key = "key-fixture-0123456789abcdef";
    private const string Token = "5f1b0c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a";
    private static readonly DateTimeOffset Now = new(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private static string Stamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The signature as Mailgun computes it, written out independently of the code under test.</summary>
    private static string Sign(string key, string timestamp, string token)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
        return Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(timestamp + token)));
    }

    [Fact]
    public void A_fresh_post_signed_with_the_key_is_valid()
    {
        var timestamp = Stamp(Now.AddSeconds(-30));

        Assert.True(MailgunSignature.IsValid(Key, timestamp, Token, Sign(Key, timestamp, Token), Now, MaxAge));
    }

    [Fact]
    public void A_signature_computed_outside_dotnet_is_valid()
    {
        // printf '%s' "1803895200$TOKEN" | openssl dgst -sha256 -hmac "$KEY"
        const string openssl = "35a6fd2fcc182e7a85cc8eac4683d1ada3ec2224e29cae8b42f73f09a721dbac";

        Assert.True(MailgunSignature.IsValid(Key, "1803895200", Token, openssl, Now, MaxAge));
    }

    [Theory]
    [InlineData("other-key", null, null)]
    [InlineData(null, "6f1b0c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a", null)]
    [InlineData(null, null, "deadbeef")]
    [InlineData(null, null, "not hex at all")]
    [InlineData(null, null, "")]
    public void A_signature_that_does_not_match_is_invalid(string? signWith, string? tokenGiven, string? signatureGiven)
    {
        var timestamp = Stamp(Now);
        var signature = signatureGiven ?? Sign(signWith ?? Key, timestamp, Token);

        Assert.False(MailgunSignature.IsValid(Key, timestamp, tokenGiven ?? Token, signature, Now, MaxAge));
    }

    [Theory]
    [InlineData(-301, false)]
    [InlineData(301, false)]
    [InlineData(-86_400, false)]
    [InlineData(-300, true)]
    [InlineData(300, true)]
    public void A_correctly_signed_post_is_valid_only_within_max_age_either_way(int secondsFromNow, bool valid)
    {
        var timestamp = Stamp(Now.AddSeconds(secondsFromNow));

        Assert.Equal(valid, MailgunSignature.IsValid(Key, timestamp, Token, Sign(Key, timestamp, Token), Now, MaxAge));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("1.8e9")]
    [InlineData("99999999999999999999")]
    public void A_timestamp_that_is_not_unix_seconds_is_invalid(string timestamp)
    {
        Assert.False(MailgunSignature.IsValid(Key, timestamp, Token, Sign(Key, timestamp, Token), Now, MaxAge));
    }

    [Fact]
    public void An_upper_case_signature_is_the_same_signature()
    {
        var timestamp = Stamp(Now);

        Assert.True(MailgunSignature.IsValid(Key, timestamp, Token, Sign(Key, timestamp, Token).ToUpperInvariant(), Now, MaxAge));
    }
}
