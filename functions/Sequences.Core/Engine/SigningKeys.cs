using Microsoft.Extensions.Options;
using Sequences.Core.Ports;

namespace Sequences.Core.Engine;

/// <summary>
/// The keys of unsubscribe links: the one that signs (configured, or created once in storage and
/// shared) and the ones that still verify (it and <see cref="SequencesOptions.UnsubscribePreviousSecrets"/>),
/// so the secret can rotate while the links in emails already sent keep working.
/// </summary>
public sealed class SigningKeys(ISecretStore secrets, IOptions<SequencesOptions> options)
{
    private byte[]? _unsubscribe;
    private IReadOnlyList<byte[]>? _accepted;

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

    public async ValueTask<IReadOnlyList<byte[]>> AcceptedUnsubscribeKeysAsync(CancellationToken cancellationToken) =>
        _accepted ??= [await UnsubscribeKeyAsync(cancellationToken), .. options.Value.PreviousUnsubscribeKeys()];
}
