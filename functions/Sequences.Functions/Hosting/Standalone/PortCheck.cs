using System.Net;
using System.Net.Sockets;

namespace Sequences.Functions.Hosting.Standalone;

/// <summary>A listen address another process holds.</summary>
internal sealed class PortInUseException(string url)
    : Exception($"Cannot listen on {url}: another process has that port. Stop it, or choose another address with --urls.");

/// <summary>Checks, before the app starts anything, that each listen address with a port can be bound.</summary>
internal static class PortCheck
{
    public static void EnsureFree(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Endpoint(url) is not { } endpoint)
            {
                continue;
            }

            try
            {
                // As Kestrel binds (address reuse on): a port left in TIME_WAIT by a previous run is free.
                using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                probe.Bind(endpoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new PortInUseException(url);
            }
        }
    }

    /// <summary>The address and port of a URL whose host is an IP address or localhost and whose port is given (port 0 and names are left to Kestrel).</summary>
    private static IPEndPoint? Endpoint(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            || uri.IsDefaultPort && !url.Contains(":" + uri.Port, StringComparison.Ordinal) || uri.Port == 0)
        {
            return null;
        }

        var address = uri.IsLoopback && uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : null;
        return address is null ? null : new IPEndPoint(address, uri.Port);
    }
}
