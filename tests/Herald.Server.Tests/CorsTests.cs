using System.Net;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>--cors-origin: pages on other origins may subscribe (simple GET) and publish (preflighted POST); other origins get no CORS headers.</summary>
public sealed class CorsTests
{
    private const string Allowed = "https://app.example.com";
    private const string Other = "https://evil.example.net";

    [Fact]
    public async Task Get_AllowedOrigin_GetsAllowOriginOnInfoAndEventStream()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { CorsOrigins = { Allowed } } });

        foreach (string path in new[] { "/streams/c/info", "/streams/c" })
        {
            using HttpResponseMessage response = await SendAsync(host, HttpMethod.Get, path, Allowed);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Allowed, Header(response, "Access-Control-Allow-Origin"));
        }
    }

    [Fact]
    public async Task Get_OtherOrigin_GetsNoCorsHeaders()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { CorsOrigins = { Allowed } } });

        using HttpResponseMessage response = await SendAsync(host, HttpMethod.Get, "/streams/c/info", Other);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // CORS is for the browser to enforce; the server only withholds the header
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Preflight_PublishFromAllowedOrigin_AllowsPostAndApiHeaders()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { CorsOrigins = { Allowed, "http://localhost:3000" } } });

        using HttpResponseMessage response = await SendAsync(host, HttpMethod.Options, "/streams/c", Allowed, r =>
        {
            r.Headers.Add("Access-Control-Request-Method", "POST");
            r.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,idempotency-key,last-event-id");
        });

        Assert.True(response.IsSuccessStatusCode, $"preflight: got {(int)response.StatusCode}");
        Assert.Equal(Allowed, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods") ?? string.Empty, StringComparison.Ordinal);
        string allowedHeaders = (Header(response, "Access-Control-Allow-Headers") ?? string.Empty).ToLowerInvariant();
        foreach (string header in new[] { "authorization", "content-type", "idempotency-key", "last-event-id" })
        {
            Assert.Contains(header, allowedHeaders, StringComparison.Ordinal);
        }

        // The POST itself then carries the origin back, and the headers a page may read.
        using HttpResponseMessage publish = await SendAsync(host, HttpMethod.Post, "/streams/c", Allowed, r => r.Content = new StringContent("x"));
        Assert.Equal(HttpStatusCode.Created, publish.StatusCode);
        Assert.Equal(Allowed, Header(publish, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Preflight_OtherOrigin_IsNotAllowed()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { CorsOrigins = { Allowed } } });

        using HttpResponseMessage response = await SendAsync(host, HttpMethod.Options, "/streams/c", Other, r => r.Headers.Add("Access-Control-Request-Method", "POST"));

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task Get_StarOrigin_AllowsAnyOrigin()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { CorsOrigins = { "*" } } });

        using HttpResponseMessage response = await SendAsync(host, HttpMethod.Get, "/streams/c/info", Other);

        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Get_NoCorsOriginConfigured_SendsNoCorsHeaders()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        using HttpResponseMessage response = await SendAsync(host, HttpMethod.Get, "/streams/c/info", Allowed);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    private static async Task<HttpResponseMessage> SendAsync(HeraldHost host, HttpMethod method, string path, string origin, Action<HttpRequestMessage>? configure = null)
    {
        using HttpRequestMessage request = new(method, path);
        request.Headers.Add("Origin", origin);
        configure?.Invoke(request);
        return await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? string.Join(",", values) : null;
}
