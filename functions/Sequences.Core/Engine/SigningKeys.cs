using Microsoft.Extensions.Options;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>The key that signs unsubscribe links: configured, or created once in storage and shared.</summary>
public sealed class SigningKeys(ISecretStore secrets, IOptions<SequencesOptions> options)
{
    private byte[]? _unsubscribe;

    public async ValueTask<byte[]> UnsubscribeKeyAsync(CancellationToken cancellationToken)
    {
        if (_unsubscribe is { } key)
        {
            return key;
        }

        key = options.Value.UnsubscribeSecret is { Length: > 0 } configured
            ? Convert.FromBase64String(configured)
            : await secrets.GetOrCreateAsync("unsubscribe-signing-key", cancellationToken);
        _unsubscribe = key;
        return key;
    }
}
