using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace Herald.Http.Security;

/// <summary>
/// The CORS policy of the Herald endpoints, built from <see cref="HeraldOptions.CorsOrigins"/> by ASP.NET Core's CORS
/// middleware: browsers on other origins may subscribe (a simple GET, so only <c>Access-Control-Allow-Origin</c>), read,
/// and publish with the headers docs/protocol.md defines (a preflighted POST).
/// </summary>
internal sealed class HeraldCors : IConfigureOptions<CorsOptions>
{
    public const string PolicyName = "Herald";

    private readonly HeraldOptions _options;

    public HeraldCors(IOptions<HeraldOptions> options) => _options = options.Value;

    public void Configure(CorsOptions options) => options.AddPolicy(PolicyName, policy =>
    {
        if (_options.CorsOrigins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins([.. _options.CorsOrigins]);
        }

        // No credentials: tokens travel in Authorization or access_token, never in cookies, so '*' stays possible.
        policy.WithMethods("GET", "POST")
            .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID")
            .WithExposedHeaders("Idempotent-Replayed", "Retry-After", "WWW-Authenticate")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
    });

    /// <summary>An origin as browsers send it (<c>scheme://host[:port]</c>, nothing after), or <c>*</c>.</summary>
    public static bool IsValidOrigin(string origin) =>
        origin == "*"
        || (Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.UserInfo.Length == 0
            && string.Equals(uri.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase));
}
