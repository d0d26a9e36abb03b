using System.Security.Claims;
using System.Text.Encodings.Web;
using Herald.Server;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Testing.Infrastructure;

/// <summary>
/// An application that embeds Herald the way issue 6 describes a user doing it: its own route prefix, its own
/// authentication and authorization policy chained on <c>MapHerald</c>, its own store choice. The server integration
/// tests run against it as well as against the standalone host (<see cref="HostKind"/>).
/// </summary>
internal static class EmbeddingApp
{
    public const string Prefix = "/api/live";

    public const string Policy = "live-readers";

    public const string Tag = "live";

    /// <summary>The app's own credential header; <c>Authorization</c> stays free for Herald's publisher keys.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Authenticates with the <c>scope=live</c> claim the policy asks for.</summary>
    public const string MemberKey = "member-key";

    /// <summary>Authenticates, but without the claim: the policy answers 403.</summary>
    public const string GuestKey = "guest-key";

    public static WebApplication Build(
        Action<HeraldOptions>? options = null,
        string? sqlitePath = null,
        Action<WebApplicationBuilder>? configure = null,
        Action<HeraldBuilder>? herald = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAuthentication(ApiKeyHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireAuthenticatedUser().RequireClaim("scope", "live"));

        HeraldBuilder heraldBuilder = builder.Services.AddHerald(o =>
        {
            o.Heartbeat = TimeSpan.FromSeconds(5);
            options?.Invoke(o);
        });
        if (sqlitePath is null)
        {
            heraldBuilder.UseInMemory();
        }
        else
        {
            heraldBuilder.UseSqlite(sqlitePath);
        }

        herald?.Invoke(heraldBuilder);

        // The library exports no metrics itself; this app serves the Herald meter at /metrics with the server's
        // prometheus-net bridge, so the metrics tests read the same text from both hosts.
        builder.Services.AddHeraldPrometheus();
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHerald(Prefix).RequireAuthorization(Policy).WithTags(Tag);
        app.MapHeraldOperations();
        app.MapHeraldMetrics();
        app.MapGet("/", () => "the app's own page");
        return app;
    }

    /// <summary>A minimal scheme: the key in <see cref="ApiKeyHeader"/> names the user and, for members, the scope.</summary>
    private sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "ApiKey";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            string? key = Request.Headers[ApiKeyHeader];
            List<Claim> claims = key switch
            {
                MemberKey => [new Claim(ClaimTypes.Name, "member"), new Claim("scope", "live")],
                GuestKey => [new Claim(ClaimTypes.Name, "guest")],
                _ => [],
            };
            if (claims.Count == 0)
            {
                return Task.FromResult(key is null ? AuthenticateResult.NoResult() : AuthenticateResult.Fail("unknown key"));
            }

            ClaimsPrincipal user = new(new ClaimsIdentity(claims, SchemeName));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(user, SchemeName)));
        }
    }
}

/// <summary>
/// The embedding app's client: the shared tests speak docs/protocol.md's <c>/streams/…</c> and <c>/subscribe</c> paths, and this
/// handler moves them under the app's prefix and adds the app's credential, as the app's own front end would. Everything else passes unchanged.
/// </summary>
internal sealed class EmbeddingAppClientHandler(HttpMessageHandler inner, string apiKey) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Uri uri = request.RequestUri!;
        if (uri.AbsolutePath.StartsWith("/streams/", StringComparison.Ordinal))
        {
            // Kept in escaped form end to end, so the path reaches the server exactly as the test wrote it.
            string rest = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped)["/streams".Length..];
            request.RequestUri = new Uri(uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + EmbeddingApp.Prefix + rest);
        }
        else if (uri.AbsolutePath == "/subscribe")
        {
            // MapHerald puts the several-streams subscription next to its prefix: /api/live -> /api/subscribe.
            string parent = EmbeddingApp.Prefix[..EmbeddingApp.Prefix.LastIndexOf('/')];
            request.RequestUri = new Uri(uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + parent + uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped));
        }

        request.Headers.TryAddWithoutValidation(EmbeddingApp.ApiKeyHeader, apiKey);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>The two hosts the shared integration tests run against.</summary>
internal enum HostKind
{
    /// <summary><see cref="HeraldServer.Build"/>: the standalone server, Herald at <c>/streams</c>.</summary>
    Standalone,

    /// <summary><see cref="EmbeddingApp"/>: Herald at <see cref="EmbeddingApp.Prefix"/> behind the app's policy.</summary>
    Embedded,
}
