using Herald.Http.Formats;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Herald.Http.Security;

/// <summary>
/// docs/protocol.md "Security", cross-site requests: any web page the user opens can send a <c>POST</c> with <c>text/plain</c> to a
/// server on the user's machine without a CORS preflight, and a loopback server with no publisher key accepts it. So a
/// publish that carries an <c>Origin</c> is accepted only from the server's own origin (the console) or an origin
/// allowed by <see cref="HeraldOptions.CorsOrigins"/>, as the endpoints' CORS policy (<see cref="HeraldCors"/>) reads
/// them; otherwise <c>403</c>, before anything is read or appended, whatever the key or address. Requests without
/// <c>Origin</c> (curl, services) are not browsers' cross-site requests.
/// </summary>
internal static class CrossSitePublish
{
    public static Problem? Check(HttpContext context, CorsPolicy? cors)
    {
        string? origin = context.Request.Headers.Origin;
        if (origin is null || IsAllowed(context.Request, origin, cors))
        {
            return null;
        }

        return new Problem(
            StatusCodes.Status403Forbidden,
            "cross-site-publish",
            "Cross-site publish refused",
            $"This request comes from a web page at {Describe(origin)}, which may not publish here: only the server's own origin and the origins allowed by --cors-origin may. Nothing was appended.");
    }

    private static bool IsAllowed(HttpRequest request, string origin, CorsPolicy? cors)
    {
        // The origins a browser may call the endpoints from, matched as the CORS middleware matches them.
        if (cors is not null && (cors.AllowAnyOrigin || cors.IsOriginAllowed(origin)))
        {
            return true;
        }

        // The server's own origin: same scheme, host and port as the request (Uri fills in the scheme's default port).
        return Uri.TryCreate(origin, UriKind.Absolute, out Uri? from)
            && request.Host.HasValue
            && Uri.TryCreate($"{request.Scheme}://{request.Host.Value}", UriKind.Absolute, out Uri? own)
            && string.Equals(from.Scheme, own.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(from.IdnHost, own.IdnHost, StringComparison.OrdinalIgnoreCase)
            && from.Port == own.Port
            && from.AbsolutePath == "/";
    }

    // The origin as the client sent it, but never more than a line of it in our answer.
    private static string Describe(string origin) => origin.Length <= 200 ? $"'{origin}'" : $"'{origin[..200]}…'";
}
