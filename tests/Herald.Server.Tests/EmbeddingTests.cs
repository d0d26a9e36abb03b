using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Server.Tests;

/// <summary>
/// Issue 6: an app that embeds Herald (<see cref="EmbeddingApp"/>) gets it at its own prefix, behind its own policy, and
/// can publish from its code through <see cref="IEventPublisher"/> into the same sequence as HTTP publishes.
/// </summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task MapHerald_OwnPrefix_ServesThereAndNotAtStreams()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(HostKind.Embedded);
        using HttpClient raw = TestHttp.CreateClient(host.BaseAddress);

        using HttpRequestMessage toStreams = Get("/streams/s/info", EmbeddingApp.MemberKey);
        using HttpRequestMessage toPrefix = Get(EmbeddingApp.Prefix + "/s/info", EmbeddingApp.MemberKey);
        using HttpResponseMessage atStreams = await raw.SendAsync(toStreams);
        using HttpResponseMessage atPrefix = await raw.SendAsync(toPrefix);

        Assert.Equal(HttpStatusCode.NotFound, atStreams.StatusCode);
        Assert.Equal(HttpStatusCode.OK, atPrefix.StatusCode);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(EmbeddingApp.GuestKey, HttpStatusCode.Forbidden)]
    [InlineData(EmbeddingApp.MemberKey, HttpStatusCode.OK)]
    public async Task RequireAuthorization_AppPolicy_GuardsEveryHeraldEndpoint(string? apiKey, HttpStatusCode readStatus)
    {
        await using HeraldHost host = await HeraldHost.StartAsync(HostKind.Embedded);
        using HttpClient raw = TestHttp.CreateClient(host.BaseAddress);
        HttpStatusCode publishStatus = readStatus == HttpStatusCode.OK ? HttpStatusCode.Created : readStatus;

        foreach ((HttpMethod method, string path, string? body, HttpStatusCode expected) in new (HttpMethod, string, string?, HttpStatusCode)[]
        {
            (HttpMethod.Post, "/guarded", "x", publishStatus),
            (HttpMethod.Post, "/guarded/batch", "{\"data\":\"y\"}", publishStatus),
            (HttpMethod.Get, "/guarded/info", null, readStatus),
            (HttpMethod.Get, "/guarded/events", null, readStatus),
            (HttpMethod.Get, "/guarded", null, readStatus),
        })
        {
            using HttpRequestMessage request = new(method, EmbeddingApp.Prefix + path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
            }

            if (apiKey is not null)
            {
                request.Headers.Add(EmbeddingApp.ApiKeyHeader, apiKey);
            }

            using HttpResponseMessage response = await raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(expected == response.StatusCode, $"{method} {path} with key '{apiKey}': expected {expected}, got {response.StatusCode}");
        }

        long expectedLast = readStatus == HttpStatusCode.OK ? 2 : 0;
        Assert.Equal(expectedLast, (await host.Client.GetInfoAsync("guarded")).Last);
    }

    [Fact]
    public async Task MapHerald_ChainedConventions_ReachEachOfItsEndpoints()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(HostKind.Embedded);

        RouteEndpoint[] herald = [.. host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith(EmbeddingApp.Prefix, StringComparison.Ordinal))];

        string[] mapped = [.. herald.Select(e => $"{e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single()} {e.RoutePattern.RawText}")];
        Assert.All(
            ["GET /api/live/{name}", "GET /api/live/{name}/events", "GET /api/live/{name}/info", "POST /api/live/{name}", "POST /api/live/{name}/batch"],
            expected => Assert.Contains(expected, mapped));
        Assert.All(herald, e =>
        {
            Assert.Contains(e.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => a.Policy == EmbeddingApp.Policy);
            Assert.Contains(EmbeddingApp.Tag, e.Metadata.GetMetadata<ITagsMetadata>()!.Tags);
        });
    }

    [Fact]
    public async Task EventPublisherAndHttp_ConcurrentOnOneStream_GiveContiguousIdsSeenOnceOverSse()
    {
        const int PerSide = 150;
        await using HeraldHost host = await HeraldHost.StartAsync(HostKind.Embedded);
        IEventPublisher publisher = host.App.Services.GetRequiredService<IEventPublisher>();
        await using SseClient subscriber = await SseClient.ConnectAsync(host.Client, "/streams/mixed", lastEventId: "0");
        await subscriber.WaitForTypeAsync("hello");
        Dictionary<string, double> before = await host.Client.GetMetricsAsync();

        Task<long[]> fromCode = Task.Run(async () =>
        {
            List<long> ids = [];
            for (int i = 0; i < PerSide; i++)
            {
                ids.Add(i % 10 == 0
                    ? (await publisher.PublishBatchAsync("mixed", [new EventToPublish($"code-{i}a", "from-code"), new EventToPublish($"code-{i}b", "from-code")])).First
                    : (await publisher.PublishAsync("mixed", $"code-{i}", "from-code")).First);
            }

            return ids.ToArray();
        });
        Task<long[]> fromHttp = Task.Run(async () =>
        {
            List<long> ids = [];
            for (int i = 0; i < PerSide; i++)
            {
                ids.Add(await host.Client.PublishAsync("mixed", $"http-{i}", eventType: "from-http"));
            }

            return ids.ToArray();
        });
        long[][] sides = await Task.WhenAll(fromCode, fromHttp);

        long total = PerSide * 2 + PerSide / 10;
        await subscriber.WaitForIdAsync(total);
        SequenceAssert.Contiguous([.. subscriber.IdentifiedEvents.Select(e => e.NumericId)], 1, total, subscriber.Description);
        Assert.Equal(PerSide + PerSide / 10, subscriber.IdentifiedEvents.Count(e => e.Type == "from-code"));
        Assert.Equal(PerSide, subscriber.IdentifiedEvents.Count(e => e.Type == "from-http"));
        Assert.Empty(sides[0].Intersect(sides[1]));
        Dictionary<string, double> after = await host.Client.GetMetricsAsync();
        Assert.Equal(total, after.Sample("herald_events_published_total") - before.Sample("herald_events_published_total"));
        Assert.Equal(PerSide * 2, after.Sample("herald_append_duration_seconds_count") - before.Sample("herald_append_duration_seconds_count"));
    }

    [Fact]
    public async Task EventPublisher_IdempotentReplay_ReturnsTheIdsHttpWasGiven()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(HostKind.Embedded);
        IEventPublisher publisher = host.App.Services.GetRequiredService<IEventPublisher>();

        long viaHttp = await host.Client.PublishAsync("idem-mixed", "first", idempotencyKey: "shared-key");
        AppendResult viaCode = await publisher.PublishAsync("idem-mixed", "second", idempotencyKey: "shared-key");

        Assert.Equal(new AppendResult(viaHttp, viaHttp, true), viaCode);
        Assert.Equal(1, (await host.Client.GetInfoAsync("idem-mixed")).Last);
    }

    [Theory]
    [InlineData(nameof(HeraldOptions.Retention))]
    [InlineData(nameof(HeraldOptions.Heartbeat))]
    [InlineData(nameof(HeraldOptions.HotTailCapacity))]
    [InlineData(nameof(HeraldOptions.DeliveryWindow))]
    [InlineData(nameof(HeraldOptions.MaxBatchEvents))]
    [InlineData(nameof(HeraldOptions.PublisherKeys))]
    public async Task AddHerald_InvalidOption_FailsTheStartNamingIt(string option)
    {
        Action<HeraldOptions> breakIt = option switch
        {
            nameof(HeraldOptions.Retention) => o => o.Retention = 0,
            nameof(HeraldOptions.Heartbeat) => o => o.Heartbeat = TimeSpan.Zero,
            nameof(HeraldOptions.HotTailCapacity) => o => o.HotTailCapacity = -1,
            nameof(HeraldOptions.DeliveryWindow) => o => o.DeliveryWindow = TimeSpan.FromSeconds(2),
            nameof(HeraldOptions.MaxBatchEvents) => o => o.MaxBatchEvents = 0,
            _ => o => o.PublisherKeys.Add("short"),
        };
        await using WebApplication app = EmbeddingApp.Build(breakIt, configure: HeraldHost.QuietLogging);

        OptionsValidationException ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(ex.Failures, f => f.StartsWith(option, StringComparison.Ordinal));
        Assert.DoesNotContain("short", ex.Message, StringComparison.Ordinal); // a key, even a bad one, is a secret
    }

    private static HttpRequestMessage Get(string path, string apiKey)
    {
        HttpRequestMessage request = new(HttpMethod.Get, path);
        request.Headers.Add(EmbeddingApp.ApiKeyHeader, apiKey);
        return request;
    }
}
