using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Herald.Http.Security;

/// <summary>
/// The address a per-client limit counts a request under (docs/protocol.md "Limits"). IPv4 addresses count alone; an IPv6 client
/// counts per /64, because one host is routinely given a whole /64 and could otherwise take every slot by using a
/// different address for each connection.
/// </summary>
internal static class ClientAddress
{
    public static IPAddress Of(HttpContext context)
    {
        IPAddress? remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return IPAddress.None; // in-process transports: one bucket for all
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            return remote.MapToIPv4();
        }

        if (remote.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(remote))
        {
            return remote;
        }

        Span<byte> bytes = stackalloc byte[16];
        remote.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
