using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Security": with --subscriber-key, subscribe, info and events need an HS256 JWT with an exp and a streams
/// claim listing the stream or '*', in Authorization or ?access_token=. No valid token: 401; stream not listed: 403.
/// </summary>
public sealed class SubscriberAuthTests : IClassFixture<SubscriberAuthTests.GuardedHost>
{
    private const string Stream = "guarded";
    private readonly HeraldHost _host;

    public SubscriberAuthTests(GuardedHost fixture) => _host = fixture.Host;

    public static TheoryData<string> Endpoints => ["/streams/" + Stream, "/streams/" + Stream + "/info", "/streams/" + Stream + "/events"];

    public static TheoryData<string, string> InvalidTokens => new()
    {
        { "expired", SubscriberTokens.Create(new[] { Stream }, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(-10)) },
        { "not yet valid", SubscriberTokens.Create(new[] { Stream }, DateTime.UtcNow.AddMinutes(20), DateTime.UtcNow.AddMinutes(10)) },
        { "wrong signature", SubscriberTokens.Create(new[] { Stream }, DateTime.UtcNow.AddHours(1), key: SubscriberTokens.OtherKey) },
        { "no exp", SubscriberTokens.Create(new[] { Stream }, expires: null) },
        { "not a JWT", "not-a-token" },
        { "unsigned (alg none)", UnsignedToken() },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Read_NoToken_Answers401WithBearerChallenge(string path)
    {
        using HttpResponseMessage response = await GetAsync(path);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [MemberData(nameof(InvalidTokens))]
    public async Task Read_InvalidToken_Answers401InvalidTokenOnEveryEndpoint(string why, string token)
    {
        foreach (string path in Endpoints)
        {
            foreach (bool inQuery in new[] { false, true })
            {
                using HttpResponseMessage response = await GetAsync(path, token, inQuery);

                await AssertProblemAsync(response, HttpStatusCode.Unauthorized, $"{why}, {path}, {(inQuery ? "query" : "header")}");
                Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Read_TokenForAnotherStream_Answers403(string path)
    {
        foreach (bool inQuery in new[] { false, true })
        {
            using HttpResponseMessage response = await GetAsync(path, SubscriberTokens.For("other", "guarded2"), inQuery);

            await AssertProblemAsync(response, HttpStatusCode.Forbidden, path);
            Assert.Equal("Bearer error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Read_ValidToken_Answers200FromHeaderAndFromQuery(string path)
    {
        string[] tokens =
        [
            SubscriberTokens.For("other", Stream),
            SubscriberTokens.For("*"),
            SubscriberTokens.Create(Stream, DateTime.UtcNow.AddHours(1)), // a single string, not an array
            SubscriberTokens.Create(new[] { Stream }, DateTime.UtcNow.AddSeconds(-10)), // expired, but within the 30 s clock skew
        ];
        foreach (string token in tokens)
        {
            foreach (bool inQuery in new[] { false, true })
            {
                using HttpResponseMessage response = await GetAsync(path, token, inQuery);

                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} ({(inQuery ? "query" : "header")}): expected 200, got {(int)response.StatusCode}: {await ReadSomeAsync(response)}");
            }
        }
    }

    [Fact]
    public async Task Subscribe_TokenInQuery_ReceivesEventsAndKeepsOtherQueryParameters()
    {
        long before = await _host.Client.PublishAsync("q-stream", "one");
        string token = SubscriberTokens.For("q-stream");

        await using SseClient client = await SseClient.ConnectAsync(_host.Client, $"/streams/q-stream?access_token={token}&lastEventId={before - 1}");
        await client.WaitForIdAsync(before);
        long next = await _host.Client.PublishAsync("q-stream", "two");
        SseEvent live = await client.WaitForIdAsync(next);

        Assert.Equal("two", live.Data);
    }

    [Fact]
    public async Task Publish_WithSubscriberKeyOnly_StillGovernedByPublisherRules()
    {
        // No publisher keys: loopback publishes with no token at all; a subscriber token is not needed to publish.
        Assert.True(await _host.Client.PublishAsync("pub", "x") > 0);

        // With publisher keys, a subscriber JWT is not a publisher key.
        await using HeraldHost keyed = await HeraldHost.StartAsync(new ServerSettings { Herald = { SubscriberKey = SubscriberTokens.Key, PublisherKeys = { "publisher-key-0123456789" } } });
        using HttpResponseMessage response = await keyed.Client.PostAsync("/streams/pub", Encoding.UTF8.GetBytes("x"), r =>
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SubscriberTokens.For("*")));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_WithoutSubscriberKey_NeedsNoToken()
    {
        await using HeraldHost open = await HeraldHost.StartAsync();

        using HttpResponseMessage response = await open.Client.GetAsync("/streams/open/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_Rejections_AreCountedByStatus()
    {
        double before = (await _host.Client.GetMetricsAsync()).Sample("herald_rejected_requests_total{status=\"401\"}");

        using HttpResponseMessage response = await GetAsync("/streams/" + Stream + "/info");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True((await _host.Client.GetMetricsAsync()).Sample("herald_rejected_requests_total{status=\"401\"}") > before);
    }

    private static string UnsignedToken()
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        long exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return Part("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Part($"{{\"streams\":[\"*\"],\"exp\":{exp}}}") + ".";
    }

    [Fact]
    public async Task ListStreams_NeedsATokenForEveryStream()
    {
        await _host.Client.PublishAsync(Stream, "listed");

        using HttpResponseMessage none = await GetAsync("/streams");
        using HttpResponseMessage named = await GetAsync("/streams", SubscriberTokens.For(Stream));
        using HttpResponseMessage star = await GetAsync("/streams", SubscriberTokens.For("*"), inQuery: true);

        await AssertProblemAsync(none, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(named, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, star.StatusCode);
        Assert.Contains($"\"name\":\"{Stream}\"", await star.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? token = null, bool inQuery = false)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, token is not null && inQuery ? path + "?access_token=" + token : path);
        if (token is not null && !inQuery)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string? what = null)
    {
        string body = await ReadSomeAsync(response);
        Assert.True(response.StatusCode == expected, $"{what}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("eyJ", body, StringComparison.Ordinal); // never echo a token
    }

    // An accepted subscribe is an endless stream: read what is there, not to the end.
    private static async Task<string> ReadSomeAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            return "(event stream)";
        }

        return await response.Content.ReadAsStringAsync();
    }

    public sealed class GuardedHost : IAsyncLifetime
    {
        private HeraldHost? _host;

        internal HeraldHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

        public async Task InitializeAsync() => _host = await HeraldHost.StartAsync(new ServerSettings { Herald = { SubscriberKey = SubscriberTokens.Key } });

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
