using System.Net;
using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Herald.Server;

/// <summary>
/// docs/protocol.md "Security", host names: a page on an attacker's domain whose name is made to resolve to 127.0.0.1 (DNS
/// rebinding) reaches a loopback server as same-origin, and could read its streams. So a server listening on loopback
/// accepts only loopback names in <c>Host</c> unless <c>--allowed-host</c> says otherwise; another name gets <c>400</c>.
/// Matching is ASP.NET Core's (<see cref="HostString.MatchesAny"/>: any port, <c>*.example.com</c> for subdomains).
/// </summary>
internal static class AllowedHosts
{
    public static readonly IReadOnlyList<string> Loopback = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Loopback names when the server listens on a loopback address; none (any host) otherwise.</summary>
    public static IReadOnlyList<string> DefaultFor(Uri listen)
    {
        string host = listen.Host.Trim('[', ']');
        bool loopback = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));
        return loopback ? Loopback : [];
    }

    public static bool IsValidPattern(string pattern) =>
        pattern.Length is > 0 and <= 255 && !pattern.Contains('/', StringComparison.Ordinal) && !pattern.Contains("://", StringComparison.Ordinal)
        && (pattern.StartsWith('[') ? pattern.EndsWith(']') : !pattern.Contains(':', StringComparison.Ordinal))
        && pattern.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '*' or '[' or ']' or ':' or '_');

    public static void Use(WebApplication app, IReadOnlyList<string> allowed)
    {
        if (allowed.Count == 0)
        {
            return;
        }

        StringSegment[] patterns = [.. allowed.Select(a => new StringSegment(a))];
        // Not an async lambda: an allowed request goes on without a state machine of this middleware living as long as the
        // request does (for an SSE subscription, as long as the connection: 120 bytes each, measured with dotnet-gcdump).
        app.Use((context, next) =>
        {
            HostString host = context.Request.Host;

            // An empty Host (HTTP/1.0) is not a browser's cross-site request; Kestrel already refuses it on HTTP/1.1.
            if (!host.HasValue || HostString.MatchesAny(new StringSegment(host.Host), patterns))
            {
                return next(context);
            }

            return Problems.WriteAsync(context, Problem.BadRequest(
                "invalid-host",
                "Host not allowed",
                $"This server answers only to {string.Join(", ", allowed)} in the Host header (--allowed-host)."));
        });
    }
}
