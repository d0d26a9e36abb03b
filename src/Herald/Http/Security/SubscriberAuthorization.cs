using System.Text;
using System.Text.Json;
using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Herald.Http.Security;

/// <summary>
/// docs/protocol.md "Security": with a subscriber key, subscribe, <c>info</c> and <c>events</c> need an HS256 JWT with an
/// <c>exp</c> and a <c>streams</c> claim listing the stream or <c>*</c>, from <c>Authorization: Bearer</c> or the
/// <c>access_token</c> query parameter (EventSource cannot set headers). No valid token: <c>401</c>; a valid one
/// without the stream: <c>403</c>.
/// </summary>
internal sealed class SubscriberAuthorization
{
    public const string StreamsClaim = "streams";

    /// <summary>The claim value that grants every stream; asked for as a stream name, only it matches (listings need it).</summary>
    public const string AllStreams = "*";
    private const string QueryParameter = "access_token";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters? _parameters;

    public SubscriberAuthorization(IOptions<HeraldOptions> options)
    {
        HeraldOptions o = options.Value;
        if (o.SubscriberKey is string key)
        {
            _parameters = new TokenValidationParameters
            {
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                ClockSkew = o.SubscriberTokenClockSkew,
                ValidateIssuer = o.SubscriberTokenIssuer is not null,
                ValidIssuer = o.SubscriberTokenIssuer,
                ValidateAudience = o.SubscriberTokenAudience is not null,
                ValidAudience = o.SubscriberTokenAudience,
            };
        }
    }

    public bool IsEnabled => _parameters is not null;

    /// <summary>Null when the request may read <paramref name="stream"/>; else the 401 or 403 to answer.</summary>
    public ValueTask<Problem?> CheckAsync(HttpContext context, string stream) => CheckAsync(context, [stream]);

    /// <summary>
    /// Null when the request may read every one of <paramref name="streams"/>; else the 401 or 403 to answer. The token is
    /// taken from the request once (a query-string token is removed as it is read) and validated once for all of them.
    /// </summary>
    public async ValueTask<Problem?> CheckAsync(HttpContext context, IReadOnlyList<string> streams)
    {
        if (_parameters is null)
        {
            return null;
        }

        string? token = TakeToken(context.Request);
        if (token is null)
        {
            // RFC 6750 §3.1: a request without credentials gets the scheme alone, no error code.
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Unauthorized("This stream needs a subscriber token: 'Authorization: Bearer <JWT>' or the access_token query parameter.");
        }

        TokenValidationResult result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Unauthorized(Describe(result.Exception));
        }

        if (streams.FirstOrDefault(stream => !Allows(result, stream)) is not null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\"";
            return new Problem(
                StatusCodes.Status403Forbidden,
                "forbidden",
                "Stream not in the token",
                $"The subscriber token's '{StreamsClaim}' claim lists neither {(streams.Count == 1 ? "this stream" : "every stream asked for")} nor '*'.");
        }

        return null;
    }

    /// <summary>
    /// The token from the header, else from the query; the query parameter is then removed from the request, so that
    /// nothing downstream (request logs, diagnostics) sees it.
    /// </summary>
    private static string? TakeToken(HttpRequest request)
    {
        string? fromQuery = null;
        StringValues query = request.Query[QueryParameter];
        if (query.Count > 0)
        {
            fromQuery = query.Count == 1 ? query[0] : null;
            request.QueryString = WithoutToken(request.QueryString);
        }

        string? header = request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            string fromHeader = header[7..].Trim();
            return fromHeader.Length > 0 ? fromHeader : null;
        }

        return string.IsNullOrEmpty(fromQuery) ? null : fromQuery;
    }

    private static QueryString WithoutToken(QueryString query)
    {
        QueryBuilder kept = [];
        foreach (KeyValuePair<string, StringValues> pair in QueryHelpers.ParseQuery(query.Value))
        {
            if (!string.Equals(pair.Key, QueryParameter, StringComparison.Ordinal))
            {
                kept.Add(pair.Key, (IEnumerable<string>)pair.Value!);
            }
        }

        return kept.ToQueryString();
    }

    // The claim may be a JSON array of names or, for one stream, a single string.
    private static bool Allows(TokenValidationResult result, string stream)
    {
        if (!result.Claims.TryGetValue(StreamsClaim, out object? value))
        {
            return false;
        }

        return value switch
        {
            string single => Matches(single, stream),
            IEnumerable<object> many => many.Any(v => v is string s && Matches(s, stream)),
            JsonElement { ValueKind: JsonValueKind.String } single => Matches(single.GetString()!, stream),
            JsonElement { ValueKind: JsonValueKind.Array } many => many.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.String && Matches(v.GetString()!, stream)),
            _ => false,
        };
    }

    private static bool Matches(string granted, string stream) => granted == AllStreams || string.Equals(granted, stream, StringComparison.Ordinal);

    // Says what was wrong with the token (clients react differently to an expired one), never echoes it.
    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenExpiredException => "The subscriber token has expired; get a new one.",
        SecurityTokenNotYetValidException => "The subscriber token is not valid yet (nbf).",
        SecurityTokenNoExpirationException => "The subscriber token has no 'exp' claim; one is required.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The subscriber token's signature does not match the configured key.",
        SecurityTokenInvalidAlgorithmException => "The subscriber token must be signed with HS256.",
        _ => "The subscriber token is not a valid JWT signed with the configured key.",
    };

    private static Problem Unauthorized(string detail) => new(StatusCodes.Status401Unauthorized, "unauthorized", "Subscriber token required", detail);
}
