using System.Net;
using System.Net.Http.Headers;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>--subscriber-issuer and --subscriber-audience: when set, a subscriber token must carry exactly that iss and aud.</summary>
public sealed class SubscriberTokenIssuerTests
{
    private const string Issuer = "https://auth.example";
    private const string Audience = "herald";

    public static TheoryData<string, string?, string?, HttpStatusCode> Tokens => new()
    {
        { "right iss and aud", Issuer, Audience, HttpStatusCode.OK },
        { "no iss", null, Audience, HttpStatusCode.Unauthorized },
        { "no aud", Issuer, null, HttpStatusCode.Unauthorized },
        { "other iss", "https://other.example", Audience, HttpStatusCode.Unauthorized },
        { "other aud", Issuer, "someone-else", HttpStatusCode.Unauthorized },
    };

    [Theory]
    [MemberData(nameof(Tokens))]
    public async Task Info_IssuerAndAudienceRequired_OnlyTheRightOnesPass(string why, string? issuer, string? audience, HttpStatusCode expected)
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { SubscriberKey = SubscriberTokens.Key, SubscriberTokenIssuer = Issuer, SubscriberTokenAudience = Audience } });
        string token = SubscriberTokens.Create(new[] { "s" }, DateTime.UtcNow.AddHours(1), null, SubscriberTokens.Key, issuer, audience);
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/s/info");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using HttpResponseMessage response = await host.Client.SendAsync(request);

        Assert.True(expected == response.StatusCode, $"{why}: expected {expected}, got {response.StatusCode}");
    }

    [Fact]
    public async Task Info_NoIssuerOrAudienceConfigured_TokensWithAnyOrNoneStillPass()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { SubscriberKey = SubscriberTokens.Key } });
        foreach (string token in (string[])[SubscriberTokens.For("s"), SubscriberTokens.Create(new[] { "s" }, DateTime.UtcNow.AddHours(1), null, SubscriberTokens.Key, "https://any.example", "any")])
        {
            using HttpRequestMessage request = new(HttpMethod.Get, "/streams/s/info");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using HttpResponseMessage response = await host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
