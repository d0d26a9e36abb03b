using System.Net;
using System.Security.Cryptography;
using System.Text;
using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Herald.Http.Security;

/// <summary>
/// docs/protocol.md "Security": with publisher keys, publishing needs <c>Authorization: Bearer &lt;key&gt;</c> (else <c>401</c>);
/// without any, only loopback clients may publish (else <c>403</c>). Keys are compared as SHA-256 digests in constant
/// time, so neither their content nor their length leaks through timing.
/// </summary>
internal sealed class PublisherAuthorization
{
    private readonly byte[][] _keyDigests;

    public PublisherAuthorization(IOptions<HeraldOptions> options)
    {
        _keyDigests = [.. options.Value.PublisherKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];
    }

    /// <summary>
    /// A loopback peer, unless the request came through a proxy: a proxy on this machine (nginx in front of a node bound
    /// to loopback) connects from loopback for every client. The host's forwarded-headers middleware, when it trusts the
    /// proxy, has already put the client's address in <see cref="ConnectionInfo.RemoteIpAddress"/> and taken the header
    /// away; a forwarding header still there means nobody vouched for it, and the client may be anywhere.
    /// </summary>
    private static bool IsFromThisMachine(HttpContext context)
    {
        IPAddress? remote = context.Connection.RemoteIpAddress;
        if (remote is null || !IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return false;
        }

        IHeaderDictionary headers = context.Request.Headers;
        return !headers.ContainsKey("X-Forwarded-For") && !headers.ContainsKey("Forwarded");
    }

    public Problem? Check(HttpContext context)
    {
        if (_keyDigests.Length == 0)
        {
            if (IsFromThisMachine(context))
            {
                return null;
            }

            return new Problem(
                StatusCodes.Status403Forbidden,
                "forbidden",
                "Publishing is limited to loopback",
                "No publisher key is configured, so only clients on this machine may publish (a request forwarded by a proxy counts as from the client it names). Configure --publisher-key to publish from elsewhere.");
        }

        string? header = context.Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString()));
            bool match = false;
            foreach (byte[] key in _keyDigests)
            {
                match |= CryptographicOperations.FixedTimeEquals(digest, key);
            }

            if (match)
            {
                return null;
            }
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return new Problem(
            StatusCodes.Status401Unauthorized,
            "unauthorized",
            "Publisher key required",
            "Publishing needs the header 'Authorization: Bearer <publisher key>' with a configured key.");
    }
}
