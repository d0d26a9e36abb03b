using System.Net;
using Herald.Http.Formats;
using Herald.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Herald.Tests.Http.Security;

/// <summary>docs/protocol.md "Security": with publisher keys, <c>Authorization: Bearer &lt;key&gt;</c> or 401; without, loopback only or 403.</summary>
public sealed class PublisherAuthorizationTests
{
    private const string Key = "publisher-key-0123456789abcdef";
    private const string OtherKey = "another-publisher-key-fedcba9876";

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Check_NoKeysFromLoopback_Allows(string address)
    {
        HttpContext context = Context(address);

        Assert.Null(Authorization().Check(context));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.1.5")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("fe80::1")]
    [InlineData("2001:db8::1")]
    [InlineData("0.0.0.0")]
    [InlineData(null)]
    public void Check_NoKeysFromElsewhere_ForbidsWithProblem(string? address)
    {
        HttpContext context = Context(address);

        Problem? problem = Authorization().Check(context);

        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status403Forbidden, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        Assert.False(string.IsNullOrEmpty(problem.Detail));
    }

    [Fact]
    public void Check_NoKeysFromElsewhereWithBearerHeader_StillForbids()
    {
        HttpContext context = Context("10.0.0.1", "Bearer " + Key);

        Assert.Equal(StatusCodes.Status403Forbidden, Authorization().Check(context)?.Status);
    }

    public static TheoryData<string?> WrongCredentials() =>
    [
        null,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-key-0123456789abcdef",
        "Bearer " + Key[..^1],
        "Bearer " + Key + "x",
        "Bearer " + Key.ToUpperInvariant(),
        "Basic " + Key,
        "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("user:" + Key)),
        Key,
        "Bearer" + Key,
        "Token " + Key,
    ];

    [Theory]
    [MemberData(nameof(WrongCredentials))]
    public void Check_KeysAndWrongCredentials_UnauthorizedWithChallenge(string? authorization)
    {
        HttpContext context = Context("127.0.0.1", authorization);

        Problem? problem = Authorization(Key, OtherKey).Check(context);

        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status401Unauthorized, problem.Status);
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
    }

    [Theory]
    [InlineData("Bearer " + Key, "127.0.0.1")]
    [InlineData("bearer " + Key, "127.0.0.1")]
    [InlineData("BEARER " + Key, "10.0.0.1")]
    [InlineData("Bearer " + Key, "10.0.0.1")]
    [InlineData("Bearer " + Key, "192.168.1.5")]
    [InlineData("Bearer " + Key, "2001:db8::1")]
    [InlineData("Bearer " + Key, null)]
    [InlineData("Bearer " + OtherKey, "10.0.0.1")]
    public void Check_KeysAndRightBearer_AllowsFromAnyAddress(string authorization, string? address)
    {
        HttpContext context = Context(address, authorization);

        Assert.Null(Authorization(Key, OtherKey).Check(context));
        Assert.False(context.Response.Headers.ContainsKey("WWW-Authenticate"));
    }

    private static PublisherAuthorization Authorization(params string[] keys)
    {
        HeraldOptions options = new();
        foreach (string key in keys)
        {
            options.PublisherKeys.Add(key);
        }

        return new PublisherAuthorization(Options.Create(options));
    }

    private static DefaultHttpContext Context(string? address, string? authorization = null)
    {
        DefaultHttpContext context = new();
        context.Connection.RemoteIpAddress = address is null ? null : IPAddress.Parse(address);
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context;
    }
}
