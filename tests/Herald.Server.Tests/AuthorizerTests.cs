using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests;

/// <summary>
/// <see cref="IHeraldAuthorizer"/>: the app decides per stream and per caller, after Herald's own checks; a refusal is a
/// 403 problem; with none registered nothing changes (the rest of the suite).
/// </summary>
public sealed class AuthorizerTests
{
    private const string PublisherKey = "publisher-key-0123456789";

    [Fact]
    public async Task UseAuthorizer_Refusal_Answers403ProblemOnEveryEndpoint()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(
            EmbeddingApp.Build(configure: HeraldHost.QuietLogging, herald: h => h.UseAuthorizer<OwnStreamsAuthorizer>()),
            EmbeddedClient);

        foreach ((HttpMethod method, string path) in Endpoints("someone-else.feed"))
        {
            using HttpResponseMessage response = await SendAsync(host.Client, method, path);
            string text = await response.Content.ReadAsStringAsync();

            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: expected 403, got {response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using JsonDocument problem = JsonDocument.Parse(text);
            Assert.Equal("urn:herald:problem:stream-forbidden", problem.RootElement.GetProperty("type").GetString());
            Assert.Equal(403, problem.RootElement.GetProperty("status").GetInt32());
        }

        Assert.Equal(0, (await host.App.Services.GetRequiredService<IEventLog>().GetInfoAsync("someone-else.feed", CancellationToken.None)).Last);
    }

    [Fact]
    public async Task UseAuthorizer_SeesTheAppsUser_AndAllowsItsOwnStreams()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(
            EmbeddingApp.Build(configure: HeraldHost.QuietLogging, herald: h => h.UseAuthorizer<OwnStreamsAuthorizer>()),
            EmbeddedClient);

        // OwnStreamsAuthorizer allows the streams named after the user ("member") to publish and "public.*" to read.
        Assert.Equal(1, await host.Client.PublishAsync("member.feed", "mine"));
        await using SseClient own = await SseClient.ConnectAsync(host.Client, "/streams/member.feed", lastEventId: "0");
        await own.WaitForIdAsync(1);
        await using SseClient open = await SseClient.ConnectAsync(host.Client, "/streams/public.news");
        await open.WaitForTypeAsync("hello");
        using HttpResponseMessage publishToPublic = await SendAsync(host.Client, HttpMethod.Post, "/streams/public.news");
        Assert.Equal(HttpStatusCode.Forbidden, publishToPublic.StatusCode);
    }

    [Fact]
    public async Task Authorizer_RunsAfterHeraldsOwnChecks()
    {
        CountingAuthorizer authorizer = new();
        await using HeraldHost host = await HeraldHost.StartAsync(
            new ServerSettings { Herald = { PublisherKeys = { PublisherKey } } },
            b => b.Services.AddSingleton<IHeraldAuthorizer>(authorizer));

        using HttpResponseMessage noKey = await SendAsync(host.Client, HttpMethod.Post, "/streams/checked");
        using HttpResponseMessage badName = await SendAsync(host.Client, HttpMethod.Get, "/streams/.hidden/info");
        using HttpResponseMessage badNameSubscribe = await SendAsync(host.Client, HttpMethod.Get, "/streams/.hidden");

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badNameSubscribe.StatusCode);
        Assert.Equal(0, authorizer.Calls);

        using HttpResponseMessage withKey = await SendAsync(host.Client, HttpMethod.Post, "/streams/checked", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PublisherKey));
        Assert.Equal(HttpStatusCode.Forbidden, withKey.StatusCode);
        Assert.Equal(1, authorizer.Calls);
    }

    [Fact]
    public async Task Authorizer_PlainDiRegistration_AppliesToTheStandaloneHostToo()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => b.Services.AddSingleton<IHeraldAuthorizer>(new CountingAuthorizer()));

        using HttpResponseMessage info = await SendAsync(host.Client, HttpMethod.Get, "/streams/any/info");
        using HttpResponseMessage events = await SendAsync(host.Client, HttpMethod.Get, "/streams/any/events");

        Assert.Equal(HttpStatusCode.Forbidden, info.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, events.StatusCode);
    }

    [Fact]
    public async Task ListStreams_LeavesOutTheStreamsTheAuthorizerRefuses_AndPagesOnPastThem()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => b.Services.AddSingleton<IHeraldAuthorizer>(new PublicOnlyAuthorizer()));
        foreach (string stream in new[] { "a.secret", "b.secret", "public.a", "public.b", "z.secret" })
        {
            await host.App.Services.GetRequiredService<IEventLog>().AppendAsync(stream, [new EventData(null, "x"u8.ToArray())], null, CancellationToken.None);
        }

        string firstPage = await host.Client.GetStringAsync("/streams?limit=3");
        string secondPage = await host.Client.GetStringAsync("/streams?limit=3&after=public.a");

        // Page 1 holds a.secret, b.secret, public.a in the store: only public.a is shown, and next continues after it.
        Assert.Equal("{\"streams\":[{\"name\":\"public.a\",\"first\":1,\"last\":1,\"subscribers\":0}],\"next\":\"public.a\"}", firstPage);
        Assert.Equal("{\"streams\":[{\"name\":\"public.b\",\"first\":1,\"last\":1,\"subscribers\":0}],\"next\":null}", secondPage);
    }

    private static HttpClient EmbeddedClient(Uri baseAddress) =>
        new(new EmbeddingAppClientHandler(TestHttp.CreateHandler(), EmbeddingApp.MemberKey)) { BaseAddress = baseAddress, Timeout = TestTimeouts.Bulk };

    private static (HttpMethod, string)[] Endpoints(string stream) =>
    [
        (HttpMethod.Post, $"/streams/{stream}"),
        (HttpMethod.Post, $"/streams/{stream}/batch"),
        (HttpMethod.Get, $"/streams/{stream}"),
        (HttpMethod.Get, $"/streams/{stream}/info"),
        (HttpMethod.Get, $"/streams/{stream}/events"),
    ];

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, Action<HttpRequestMessage>? configure = null)
    {
        using HttpRequestMessage request = new(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent(path.EndsWith("/batch", StringComparison.Ordinal) ? "{\"data\":\"x\"}" : "x", Encoding.UTF8, "text/plain");
        }

        configure?.Invoke(request);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>A user publishes on "{name}.*" and reads those and "public.*"; the user comes from the app's authentication.</summary>
    private sealed class OwnStreamsAuthorizer : IHeraldAuthorizer
    {
        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string stream, CancellationToken cancellationToken) =>
            ValueTask.FromResult(stream.StartsWith("public.", StringComparison.Ordinal) || IsOwn(context, stream));

        public ValueTask<bool> CanPublishAsync(HttpContext context, string stream, CancellationToken cancellationToken) =>
            ValueTask.FromResult(IsOwn(context, stream));

        private static bool IsOwn(HttpContext context, string stream) =>
            context.User.Identity?.Name is string name && stream.StartsWith(name + ".", StringComparison.Ordinal);
    }

    /// <summary>Lets anyone read the "public.*" streams and nothing else.</summary>
    private sealed class PublicOnlyAuthorizer : IHeraldAuthorizer
    {
        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string stream, CancellationToken cancellationToken) =>
            ValueTask.FromResult(stream.StartsWith("public.", StringComparison.Ordinal));

        public ValueTask<bool> CanPublishAsync(HttpContext context, string stream, CancellationToken cancellationToken) =>
            ValueTask.FromResult(false);
    }

    /// <summary>Refuses everything and counts how often it was asked.</summary>
    private sealed class CountingAuthorizer : IHeraldAuthorizer
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string stream, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(false);
        }

        public ValueTask<bool> CanPublishAsync(HttpContext context, string stream, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(false);
        }
    }
}
