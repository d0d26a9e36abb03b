using System.Net;
using System.Text;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Security", cross-site requests and host names: a web page must not be able to publish to a server on the
/// user's machine (a text/plain POST needs no preflight), nor read it through DNS rebinding.
/// </summary>
public sealed class CrossSiteTests
{
    [Theory]
    [InlineData("/streams/xs")]
    [InlineData("/streams/xs/batch")]
    public async Task Publish_FromAForeignPage_Answers403AndAppendsNothing(string path)
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        string body = path.EndsWith("/batch", StringComparison.Ordinal) ? "{\"data\":\"x\"}\n" : "x";

        using HttpResponseMessage response = await PostAsync(host, path, body, origin: "https://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("cross-site-publish", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await host.Client.GetInfoAsync("xs")).Last);
    }

    [Fact]
    public async Task Publish_FromTheServersOwnOriginOrAnAllowedOne_IsAccepted_AndReadsIgnoreOrigin()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { CorsOrigins = { "https://app.example" } } });
        string own = host.BaseAddress.GetLeftPart(UriPartial.Authority);

        using HttpResponseMessage fromConsole = await PostAsync(host, "/streams/xs", "a", origin: own);
        using HttpResponseMessage fromApp = await PostAsync(host, "/streams/xs", "b", origin: "https://app.example");
        using HttpResponseMessage otherPort = await PostAsync(host, "/streams/xs", "c", origin: "http://127.0.0.1:1");
        using HttpRequestMessage read = new(HttpMethod.Get, "/streams/xs/info");
        read.Headers.Add("Origin", "https://evil.example");
        using HttpResponseMessage info = await host.Client.SendAsync(read);

        Assert.Equal(HttpStatusCode.Created, fromConsole.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fromApp.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherPort.StatusCode); // same host, another port: another origin
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Equal(2, (await host.Client.GetInfoAsync("xs")).Last);
    }

    [Fact]
    public async Task Publish_AnyOriginAllowedByStar_IsAccepted()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { CorsOrigins = { "*" } } });

        using HttpResponseMessage response = await PostAsync(host, "/streams/xs", "a", origin: "https://anyone.example");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:5080")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task AnyRequest_HostNotLoopbackOnALoopbackServer_Answers400(string hostHeader)
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        foreach (string path in (string[])["/streams/s/info", "/streams", "/healthz"])
        {
            using HttpRequestMessage request = new(HttpMethod.Get, path);
            request.Headers.Host = hostHeader;
            using HttpResponseMessage response = await host.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("invalid-host", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:8080")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]:5080")]
    public async Task AnyRequest_LoopbackHostAnyPort_IsServed(string hostHeader)
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/s/info");
        request.Headers.Host = hostHeader;

        using HttpResponseMessage response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AllowedHostGiven_ExactlyThoseNamesAreServed()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { AllowedHosts = ["app.example", "*.herald.example"] });

        Assert.Equal(HttpStatusCode.OK, await StatusWithHostAsync(host, "app.example:443"));
        Assert.Equal(HttpStatusCode.OK, await StatusWithHostAsync(host, "eu.herald.example"));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusWithHostAsync(host, "127.0.0.1"));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusWithHostAsync(host, "evil.example"));
    }

    [Fact]
    public void DefaultAllowedHosts_LoopbackListenerGetsLoopbackNames_OtherListenersAny()
    {
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], AllowedHosts.DefaultFor(new Uri("http://127.0.0.1:5080")));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], AllowedHosts.DefaultFor(new Uri("http://[::1]:5080")));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], AllowedHosts.DefaultFor(new Uri("http://localhost:5080")));
        Assert.Empty(AllowedHosts.DefaultFor(new Uri("http://0.0.0.0:5080")));
        Assert.Empty(AllowedHosts.DefaultFor(new Uri("http://10.0.0.11:5080")));
    }

    private static async Task<HttpStatusCode> StatusWithHostAsync(HeraldHost host, string hostHeader)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/s/info");
        request.Headers.Host = hostHeader;
        using HttpResponseMessage response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> PostAsync(HeraldHost host, string path, string body, string origin)
    {
        // text/plain: the simple request a page can send to any server without a CORS preflight.
        HttpRequestMessage request = new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        request.Headers.Add("Origin", origin);
        return host.Client.SendAsync(request);
    }
}
