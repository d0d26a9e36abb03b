using System.Net;
using System.Text;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// Behind a reverse proxy every request comes from the proxy's address. The client's address is the one a trusted
/// proxy names in <c>X-Forwarded-For</c> (<c>--trusted-proxy</c>, loopback by default): the loopback publish rule and
/// the per-address cap apply to it, so a proxy on the same machine neither lets the whole internet publish without a
/// key nor makes every subscriber share one address's cap.
/// </summary>
public sealed class ReverseProxyTests
{
    private static readonly IPAddress s_proxyAddress = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task Publish_NoKeysForwardedForAnotherMachineByALocalProxy_Answers403AndAppendsNothing()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        using HttpResponseMessage response = await PublishForwardedAsync(host.Client, "proxied", "X-Forwarded-For", "203.0.113.7");

        await AssertForbiddenAsync(response);
        Assert.Equal(0, (await host.Client.GetInfoAsync("proxied")).Last);
    }

    [Fact]
    public async Task Publish_NoKeysForwardedForThisMachineByALocalProxy_Answers201()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        using HttpResponseMessage response = await PublishForwardedAsync(host.Client, "proxied", "X-Forwarded-For", "127.0.0.1");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Publish_NoKeysForwardedByAnUntrustedPeer_Answers403AndByTheTrustedProxy201()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { TrustedProxies = [new System.Net.IPNetwork(s_proxyAddress, 32)] });
        using HttpClient proxy = LoopbackSource.CreateClient(host.BaseAddress, s_proxyAddress);

        // 127.0.0.1 is not the trusted proxy: nobody vouches for the header, so the client may be anywhere.
        using (HttpResponseMessage untrusted = await PublishForwardedAsync(host.Client, "proxied", "X-Forwarded-For", "127.0.0.1"))
        {
            await AssertForbiddenAsync(untrusted);
        }

        using HttpResponseMessage trusted = await PublishForwardedAsync(proxy, "proxied", "X-Forwarded-For", "127.0.0.1");
        Assert.Equal(HttpStatusCode.Created, trusted.StatusCode);
        Assert.Equal(1, (await host.Client.GetInfoAsync("proxied")).Last);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "127.0.0.1")]
    [InlineData("Forwarded", "for=127.0.0.1")]
    public async Task Publish_EmbeddedHostWithoutForwardedHeadersMiddleware_RefusesAForwardedLoopbackRequest(string header, string value)
    {
        // The embedding app adds no forwarded-headers middleware: a forwarding header that reached Herald was never checked.
        await using HeraldHost host = await HeraldHost.StartAsync(HostKind.Embedded);

        using (HttpResponseMessage forwarded = await PublishForwardedAsync(host.Client, "proxied", header, value))
        {
            await AssertForbiddenAsync(forwarded);
        }

        Assert.Equal(1, await host.Client.PublishAsync("proxied", "straight from this machine"));
    }

    [Fact]
    public async Task Subscribe_PerIpCapBehindALocalProxy_CountsEachForwardedClientOnItsOwn()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { MaxConnectionsPerIp = 1 } });

        using HttpResponseMessage first = await SubscribeForwardedAsync(host.Client, "203.0.113.7");
        using HttpResponseMessage otherClient = await SubscribeForwardedAsync(host.Client, "203.0.113.8");
        using HttpResponseMessage sameClientAgain = await SubscribeForwardedAsync(host.Client, "203.0.113.7");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, sameClientAgain.StatusCode);
        Assert.Equal("application/problem+json", sameClientAgain.Content.Headers.ContentType?.MediaType);
    }

    private static Task<HttpResponseMessage> PublishForwardedAsync(HttpClient http, string stream, string header, string value) =>
        http.PostAsync("/streams/" + stream, Encoding.UTF8.GetBytes("x"), r => r.Headers.TryAddWithoutValidation(header, value));

    private static async Task<HttpResponseMessage> SubscribeForwardedAsync(HttpClient http, string client)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/behind-proxy");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", client);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"expected 403, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
