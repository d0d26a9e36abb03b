using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>Subscriber JWTs as an issuer would make them (docs/protocol.md "Security"): HS256, <c>exp</c>, a <c>streams</c> claim.</summary>
internal static class SubscriberTokens
{
    public const string Key = "subscriber-secret-0123456789-abcdefghijklmnop";
    public const string OtherKey = "another-secret-0123456789-abcdefghijklmnopq";

    /// <param name="streams">The claim's value: a string, an array of strings, or null for no claim.</param>
    /// <param name="expires">Null: no <c>exp</c> at all.</param>
    public static string Create(object? streams, DateTime? expires, DateTime? notBefore = null, string key = Key) =>
        Create(streams, expires, notBefore, key, issuer: null, audience: null);

    /// <summary>A token with <c>iss</c> and <c>aud</c> claims (either may be null: left out).</summary>
    public static string Create(object? streams, DateTime? expires, DateTime? notBefore, string key, string? issuer, string? audience)
    {
        JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
        Dictionary<string, object> claims = [];
        if (streams is not null)
        {
            claims["streams"] = streams;
        }

        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Expires = expires,
            NotBefore = notBefore,
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Valid for an hour from now.</summary>
    public static string For(params string[] streams) => Create(streams, DateTime.UtcNow.AddHours(1));
}
