using Azure.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Sequences.Email.Acs;

namespace Sequences.Email.Tests.Acs;

/// <summary>ACS transports pointed at a stub, built through the same factory the registration uses.</summary>
internal static class AcsTestTransports
{
    /// <summary>A made-up access key; the tests recompute signatures from it on their own.</summary>
    public static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    /// <summary>Production's attempts, budget and timeout with millisecond back-off, so failure tests take no time.</summary>
    public static readonly AcsRetrySettings Fast = AcsRetrySettings.Default with { FirstDelay = TimeSpan.FromMilliseconds(5) };

    public static string ConnectionString(AcsStub stub) => $"endpoint={stub.Endpoint};accesskey={Convert.ToBase64String(Key)}";

    public static AcsTransport WithKey(AcsStub stub, TimeProvider? time = null, AcsRetrySettings? retry = null, AcsOptions? options = null)
    {
        options ??= new AcsOptions();
        options.ConnectionString = ConnectionString(stub);
        return AcsTransport.Create(options, time ?? TimeProvider.System, NullLogger<AcsTransport>.Instance, credential: null, retry ?? Fast, maxQuotaWait: null);
    }

    public static AcsTransport WithToken(AcsStub stub, TokenCredential credential) =>
        AcsTransport.Create(new AcsOptions { Endpoint = stub.Endpoint.AbsoluteUri }, TimeProvider.System, NullLogger<AcsTransport>.Instance, credential, Fast, maxQuotaWait: null);
}
