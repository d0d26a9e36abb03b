using System.Net;
using Herald.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Herald;

/// <summary>Maps what browsers use: the <c>herald.js</c> helper and the live console.</summary>
public static class HeraldBrowserEndpointRouteBuilderExtensions
{
    private const string JavaScript = "application/javascript; charset=utf-8";

    /// <summary>
    /// Maps <paramref name="path"/> to <c>herald.js</c>: <c>Herald.subscribe(url, {…})</c>, exact resuming subscriptions
    /// over the browser's <c>EventSource</c> (docs/protocol.md). Shipped inside this assembly: no build step, no CDN.
    /// </summary>
    public static IEndpointConventionBuilder MapHeraldClient(this IEndpointRouteBuilder endpoints, string path = "/herald.js")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(path);
        StaticAsset script = StaticAsset.FromResource("herald.js", JavaScript);
        return endpoints.MapMethods(path, [HttpMethods.Get, HttpMethods.Head], script.WriteAsync);
    }

    /// <summary>
    /// Maps the live console (streams, a chart of events/s and subscribers, a live tail) at <paramref name="path"/>, with
    /// its script and style sheet beside it. It reads <c>GET {streamsPrefix}</c> and subscribes with the helper mapped by
    /// <see cref="MapHeraldClient"/> at <paramref name="clientPath"/>; map both too.
    /// </summary>
    public static IEndpointConventionBuilder MapHeraldConsole(
        this IEndpointRouteBuilder endpoints, string path = "/", string streamsPrefix = "/streams", string clientPath = "/herald.js")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(streamsPrefix);
        ArgumentException.ThrowIfNullOrEmpty(clientPath);
        string basePath = path.EndsWith('/') ? path : path + "/";
        StaticAsset page = StaticAsset.FromResource("console.html", "text/html; charset=utf-8", html => html
            .Replace("{{base}}", WebUtility.HtmlEncode(basePath), StringComparison.Ordinal)
            .Replace("{{client}}", WebUtility.HtmlEncode(clientPath), StringComparison.Ordinal)
            .Replace("{{streams}}", WebUtility.HtmlEncode(streamsPrefix.TrimEnd('/')), StringComparison.Ordinal));
        StaticAsset script = StaticAsset.FromResource("herald-console.js", JavaScript);
        StaticAsset style = StaticAsset.FromResource("herald-console.css", "text/css; charset=utf-8");

        RouteGroupBuilder group = endpoints.MapGroup(string.Empty);
        string[] methods = [HttpMethods.Get, HttpMethods.Head];

        // Everything the page runs comes from this origin; nothing inline, nothing from elsewhere.
        group.MapMethods(path, methods, context =>
        {
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'";
            return page.WriteAsync(context);
        });
        group.MapMethods(basePath + "herald-console.js", methods, script.WriteAsync);
        group.MapMethods(basePath + "herald-console.css", methods, style.WriteAsync);
        return group;
    }
}
