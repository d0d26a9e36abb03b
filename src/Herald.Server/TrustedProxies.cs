using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Herald.Server;

/// <summary>
/// Which peers may say who the client is (<c>--trusted-proxy</c>). Behind a reverse proxy every request comes from the
/// proxy's address; the client's is in the <c>X-Forwarded-For</c> the proxy appends. Taking it from a trusted proxy
/// (ASP.NET Core's forwarded-headers middleware, last hop only) gives the per-address connection cap, the publish rate
/// limit and the loopback publish rule the real client, instead of one address shared by everyone.
/// </summary>
internal static class TrustedProxies
{
    /// <summary>By default a proxy on this machine: nginx in front of a node bound to loopback, as in deploy/nginx.</summary>
    public static readonly IReadOnlyList<IPNetwork> Default = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    /// <summary>An address (<c>10.0.0.2</c>, <c>::1</c>) or a network in CIDR form (<c>10.0.0.0/24</c>).</summary>
    public static bool TryParse(string value, out IPNetwork network)
    {
        network = default;
        int slash = value.IndexOf('/', StringComparison.Ordinal);
        string address = slash < 0 ? value : value[..slash];

        // IPAddress.TryParse takes "10" for 0.0.0.10: ask for four parts or an IPv6 colon, so a typo is an error.
        if (!address.Contains(':', StringComparison.Ordinal) && address.Count(c => c == '.') != 3)
        {
            return false;
        }

        if (slash >= 0)
        {
            return IPNetwork.TryParse(value, out network);
        }

        if (!IPAddress.TryParse(value, out IPAddress? single))
        {
            return false;
        }

        network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    public static void Use(WebApplication app, IReadOnlyList<IPNetwork> trusted)
    {
        ForwardedHeadersOptions options = new() { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (IPNetwork network in trusted)
        {
            options.KnownIPNetworks.Add(network);
        }

        app.UseForwardedHeaders(options);
    }
}
