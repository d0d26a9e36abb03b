using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Subscribe to several streams" on the standalone server: the composite seam on each single-node store,
/// one connection against the caps, subscriber tokens and the application's authorizer per stream, and a graceful shutdown.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed partial class SubscribeManyServerTests
{
    [Fact]
    public async Task SubscribeMany_JoiningDuringConcurrentPublishingOnThreeStreams_OnTheMemoryStore_IsExactPerStreamAndOnResume()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        using HttpClient resume = new() { BaseAddress = host.Client.BaseAddress };

        await CompositeSeam.RunAsync([host.Client], host.Client, resume, "seam");
    }

    [Fact]
    public async Task SubscribeMany_JoiningDuringConcurrentPublishingOnThreeStreams_OnSqlite_IsExactPerStreamAndOnResume()
    {
        using TempDirectory directory = new();
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Store = StoreLocation.Parse("sqlite:" + directory.File("seam.db")) });
        using HttpClient resume = new() { BaseAddress = host.Client.BaseAddress };

        await CompositeSeam.RunAsync([host.Client], host.Client, resume, "seam");
    }

    [Fact]
    public async Task SubscribeMany_ThreeStreamsOnOneConnection_TakeOneSlotUnderThePerAddressCap()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { MaxConnectionsPerIp = 1 } });

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=cap-a&stream=cap-b&stream=cap-c");
        await client.WaitForTypeAsync("hello");
        using HttpRequestMessage second = new(HttpMethod.Get, "/streams/cap-a");
        using HttpResponseMessage refused = await host.Client.SendAsync(second, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(1, (await host.Client.GetInfoAsync("cap-c")).Subscribers);
    }

    [Fact]
    public async Task SubscribeMany_SubscriberTokens_MustAllowEveryStream()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { SubscriberKey = SubscriberTokens.Key } });
        const string Path = "/subscribe?stream=tok-a&stream=tok-b";

        using HttpResponseMessage none = await GetAsync(host.Client, Path, token: null);
        using HttpResponseMessage partial = await GetAsync(host.Client, Path, SubscriberTokens.For("tok-a"));
        await using SseClient allowed = await SseClient.ConnectAsync(host.Client, Path, configure: r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SubscriberTokens.For("tok-a", "tok-b")));
        await using SseClient inQuery = await SseClient.ConnectAsync(host.Client, Path + "&access_token=" + SubscriberTokens.For("*"));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, partial.StatusCode);
        Assert.Equal("application/problem+json", partial.Content.Headers.ContentType?.MediaType);
        await allowed.WaitForTypeAsync("hello");
        await inQuery.WaitForTypeAsync("hello");
    }

    [Fact]
    public async Task SubscribeMany_ApplicationAuthorizer_IsAskedForEveryStreamAndOneRefusalRefusesTheConnection()
    {
        PublicOnly authorizer = new();
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings(), b => b.Services.AddSingleton<IHeraldAuthorizer>(authorizer));

        using HttpResponseMessage refused = await GetAsync(host.Client, "/subscribe?stream=public.a&stream=private.b", token: null);
        await using SseClient allowed = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=public.a&stream=public.b");
        await allowed.WaitForTypeAsync("hello");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(["public.a", "private.b", "public.a", "public.b"], authorizer.Asked);
    }

    [Fact]
    public async Task SubscribeMany_Sigterm_EndsTheConnectionOnceWithARetryAfterTheLastFrame()
    {
        using TempDirectory dir = new();
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "sqlite:" + dir.File("herald.db"), "--shutdown-timeout", "5");
        await server.Client.PublishAsync("sd-a", "a1");
        await server.Client.PublishAsync("sd-b", "b1");
        await using SseClient client = await SseClient.ConnectAsync(server.Client, "/subscribe?stream=sd-a&stream=sd-b&stream=sd-c", lastEventId: "sd-a:0,sd-b:0,sd-c:0");
        await client.WaitForAsync(e => e.Id == "sd-a:1,sd-b:1,sd-c:0", timeout: null, "both events");

        server.Terminate();
        bool clean = await client.WaitForEndAsync(TestTimeouts.ProcessExit);
        int exitCode = await server.WaitForExitAsync();

        Assert.True(exitCode == 0, $"SIGTERM must exit 0, got {exitCode}. Output:\n{server.Output}");
        Assert.True(clean, $"the SSE response must end cleanly, got {client.Error}.");
        Assert.Matches(RetryAtEnd(), client.RawText);
        Assert.Equal(2, RetryField().Count(client.RawText)); // the first one, and one for the shutdown, not one per stream
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string? token)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [GeneratedRegex(@"\nretry: \d+\n\n\z")]
    private static partial Regex RetryAtEnd();

    [GeneratedRegex(@"^retry: \d+$", RegexOptions.Multiline)]
    private static partial Regex RetryField();

    /// <summary>Allows reading the streams named <c>public.*</c>, and records every stream it was asked about.</summary>
    private sealed class PublicOnly : IHeraldAuthorizer
    {
        private readonly List<string> _asked = [];

        public IReadOnlyList<string> Asked
        {
            get
            {
                lock (_asked)
                {
                    return [.. _asked];
                }
            }
        }

        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string stream, CancellationToken cancellationToken)
        {
            lock (_asked)
            {
                _asked.Add(stream);
            }

            return ValueTask.FromResult(stream.StartsWith("public.", StringComparison.Ordinal));
        }

        public ValueTask<bool> CanPublishAsync(HttpContext context, string stream, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
