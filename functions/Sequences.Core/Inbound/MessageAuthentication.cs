using System.Text.RegularExpressions;

namespace Sequences.Core.Inbound;

/// <summary>What the receiving provider's <c>Authentication-Results</c> header (RFC 8601) says of a message.</summary>
public enum AuthenticationResult
{
    /// <summary>No header, or nothing it says decides.</summary>
    None,

    /// <summary>DMARC passed, or DKIM or SPF passed.</summary>
    Pass,

    /// <summary>DMARC failed, or SPF failed without a passing DKIM signature.</summary>
    Fail,
}

/// <summary>How inbound mail's authentication is honoured (setting <c>Sequences:InboundAuthentication</c>).</summary>
public enum InboundAuthenticationPolicy
{
    /// <summary>Act on mail unless its Authentication-Results says it failed (the default).</summary>
    Honour,

    /// <summary>Act only on mail whose Authentication-Results says it passed (providers that always add the header).</summary>
    Require,

    /// <summary>Do not look (a provider that rewrites or drops the header).</summary>
    Off,
}

/// <summary>Reads the topmost Authentication-Results header: the one the receiving provider added. Pure.</summary>
public static partial class MessageAuthentication
{
    public static AuthenticationResult Read(InboundEmail email)
    {
        if (email.Header("authentication-results") is not { } header)
        {
            return AuthenticationResult.None;
        }

        var results = Method().Matches(header).ToDictionary(m => m.Groups["method"].Value.ToLowerInvariant(), m => m.Groups["result"].Value.ToLowerInvariant(), StringComparer.Ordinal);
        var dmarc = results.GetValueOrDefault("dmarc");
        var dkim = results.GetValueOrDefault("dkim");
        var spf = results.GetValueOrDefault("spf");
        if (dmarc == "fail" || (spf is "fail" && dkim != "pass"))
        {
            return AuthenticationResult.Fail;
        }

        return dmarc == "pass" || dkim == "pass" || spf == "pass" ? AuthenticationResult.Pass : AuthenticationResult.None;
    }

    /// <summary>Why a message is not acted on under <paramref name="policy"/>, or null when it may be.</summary>
    public static string? Refusal(InboundEmail email, InboundAuthenticationPolicy policy) => (policy, Read(email)) switch
    {
        (InboundAuthenticationPolicy.Off, _) => null,
        (_, AuthenticationResult.Fail) => "Authentication-Results says SPF, DKIM or DMARC failed: recorded for review, not acted on.",
        (InboundAuthenticationPolicy.Require, not AuthenticationResult.Pass) => "No passing Authentication-Results (Sequences:InboundAuthentication is Require): recorded for review, not acted on.",
        _ => null,
    };

    [GeneratedRegex(@"\b(?<method>dmarc|dkim|spf)\s*=\s*(?<result>[a-z]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Method();
}
