using System.Net;

namespace Sequences.Email.Acs;

/// <summary>
/// Azure Communication Services Email (configuration section <c>Email:Acs</c>). Authentication is
/// either Microsoft Entra (<see cref="Endpoint"/>, optionally <see cref="ClientId"/>) or the
/// resource's access key (<see cref="ConnectionString"/>); the identity needs a role on the
/// Communication Services resource that allows sending email.
/// </summary>
public sealed class AcsOptions
{
    /// <summary>The resource endpoint, <c>https://&lt;resource&gt;.communication.azure.com</c>; authenticates with Entra.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Client id of a user-assigned managed identity; empty: <c>DefaultAzureCredential</c> (system identity, developer sign-in).</summary>
    public string? ClientId { get; set; }

    /// <summary><c>endpoint=https://…/;accesskey=…</c>: signs each request with the access key (HMAC) instead of Entra.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Sends per minute and per hour this instance allows itself. The defaults are ACS's limits for a
    /// new resource; raise them after Azure support has raised the resource's quota.
    /// </summary>
    public int PerMinute { get; set; } = 30;

    public int PerHour { get; set; } = 100;

    /// <summary>Asks ACS not to track opens and clicks of these emails even if the resource tracks engagement.</summary>
    public bool DisableEngagementTracking { get; set; }

    /// <summary>The endpoint requests go to: from the connection string when there is one, else <see cref="Endpoint"/>.</summary>
    internal bool TryResolveEndpoint(out Uri endpoint, out string why)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            return AcsEndpoint.TryParse(Endpoint, out endpoint, out why);
        }

        var parsed = AcsConnectionString.TryParse(ConnectionString, out var connection, out why);
        endpoint = parsed ? connection.Endpoint : null!;
        return parsed;
    }

    /// <summary>For the start-up report; never includes the access key.</summary>
    internal string Describe()
    {
        var auth = !string.IsNullOrWhiteSpace(ConnectionString) ? "access key"
            : !string.IsNullOrWhiteSpace(ClientId) ? $"managed identity {ClientId}"
            : "DefaultAzureCredential";
        var where = TryResolveEndpoint(out var endpoint, out _) ? endpoint.Host : "(no valid endpoint)";
        return $"to Azure Communication Services {where} ({auth}; at most {PerMinute}/minute, {PerHour}/hour)";
    }
}

/// <summary>What an ACS endpoint may be: an absolute https URL with no path, or http on this machine (a test stub).</summary>
internal static class AcsEndpoint
{
    public static bool TryParse(string? value, out Uri endpoint, out string why)
    {
        endpoint = null!;
        if (!Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            why = $"must be an absolute URL such as https://<resource>.communication.azure.com; got '{value}'.";
            return false;
        }

        // The access key and bearer tokens would cross the network in clear text over http; only
        // a listener on this machine (the tests' stub) is allowed without TLS.
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)))
        {
            why = $"must use https; got '{value}'.";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            why = $"must be the resource's base URL without a path or query; got '{value}'.";
            return false;
        }

        endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        why = "";
        return true;
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}

/// <summary>An ACS connection string: <c>endpoint=https://x.communication.azure.com/;accesskey=BASE64</c>.</summary>
internal sealed record AcsConnectionString(Uri Endpoint, byte[] AccessKey)
{
    public static AcsConnectionString Parse(string value) =>
        TryParse(value, out var parsed, out var why) ? parsed : throw new InvalidOperationException($"Email:Acs:ConnectionString {why}");

    /// <summary>Parses the two parts; <paramref name="why"/> never repeats the key.</summary>
    public static bool TryParse(string value, out AcsConnectionString parsed, out string why)
    {
        parsed = null!;
        string? endpointText = null;
        string? keyText = null;
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Split at the first '=' only: the base64 key ends in '=' padding.
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq].Trim();
            var text = eq < 0 ? "" : part[(eq + 1)..].Trim();
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase))
            {
                endpointText = text;
            }
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase))
            {
                keyText = text;
            }
        }

        var key = Decode(keyText);
        if (endpointText is null || key is null)
        {
            why = "must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>"
                + (endpointText is null ? "; the endpoint is missing." : "; the access key is missing or not base64.");
            return false;
        }

        if (!AcsEndpoint.TryParse(endpointText, out var endpoint, out var endpointWhy))
        {
            why = "has an endpoint that " + endpointWhy;
            return false;
        }

        parsed = new AcsConnectionString(endpoint, key);
        why = "";
        return true;
    }

    private static byte[]? Decode(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return null;
        }

        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, buffer, out var written) && written > 0 ? buffer[..written] : null;
    }

    /// <summary>The key is a secret: a record's generated ToString would print it into logs.</summary>
    public override string ToString() => $"endpoint={Endpoint}";
}
