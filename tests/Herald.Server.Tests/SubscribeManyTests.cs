using System.Net;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Subscribe to several streams": the hello, resumption of each stream after its own pair, per-stream gap
/// and reset, bad requests, and what one connection counts as; run against the standalone server and an app that embeds
/// Herald (where <c>/subscribe</c> sits next to the app's prefix).
/// </summary>
public abstract class SubscribeManyTests
{
    private readonly HostKind _kind;

    private protected SubscribeManyTests(HostKind kind) => _kind = kind;

    [Fact]
    public async Task SubscribeMany_NoPosition_SaysHelloWithEachStreamsLastInParameterOrderThenDeliversLive()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("h-b", ["b1", "b2"]);

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=h-b&stream=h-a");
        SseEvent hello = await client.WaitForTypeAsync("hello");
        await host.Client.PublishAsync("h-a", "a1");
        await host.Client.PublishAsync("h-b", "b3");
        await client.WaitForAsync(e => e.Id == "h-b:3,h-a:1", timeout: null, "both live events");

        using JsonDocument json = JsonDocument.Parse(hello.Data);
        Assert.Equal((await host.Client.GetInfoAsync("h-a")).Epoch, json.RootElement.GetProperty("epoch").GetString());
        Assert.Equal(
            "[{\"stream\":\"h-b\",\"last\":2},{\"stream\":\"h-a\",\"last\":0}]",
            json.RootElement.GetProperty("streams").GetRawText());
        Assert.Null(hello.Id);
        Assert.Equal(["h-b:2,h-a:1", "h-b:3,h-a:1"], client.IdentifiedEvents.Select(e => e.Id));
        Assert.Equal(["a1", "b3"], client.IdentifiedEvents.Select(e => e.Data));
    }

    [Fact]
    public async Task SubscribeMany_CursorWithSomeStreams_ResumesThoseAfterTheirPairsStartsTheOthersLiveAndIgnoresForeignPairs()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("m-a", ["a1", "a2", "a3"]);
        await host.Client.PublishBatchAsync("m-b", ["b1", "b2"]);

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=m-a&stream=m-b", lastEventId: "elsewhere:9,m-a:1");
        await client.WaitForAsync(e => e.Id == "m-a:3,m-b:2", timeout: null, "a2 and a3 replayed");
        await host.Client.PublishAsync("m-b", "b3");
        await client.WaitForAsync(e => e.Id == "m-a:3,m-b:3", timeout: null, "b3 live");

        Assert.Equal(["m-a:2,m-b:2", "m-a:3,m-b:2", "m-a:3,m-b:3"], client.IdentifiedEvents.Select(e => e.Id));
        Assert.Equal(["a2", "a3", "b3"], client.IdentifiedEvents.Select(e => e.Data));
    }

    [Fact]
    public async Task SubscribeMany_CursorInTheQuery_IsUsedWhenNoHeaderIsSent()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("q-a", ["a1", "a2"]);

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=q-a&lastEventId=q-a:1");
        await client.WaitForAsync(e => e.Id == "q-a:2", timeout: null, "a2");

        Assert.Equal(["a2"], client.IdentifiedEvents.Select(e => e.Data));
    }

    [Fact]
    public async Task SubscribeMany_OneStreamTrimmedPastItsPair_SendsAGapNamingItAndMovesItsPairFromFirstMinusOne()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind, o => o.Retention = 10);
        await host.Client.PublishBatchAsync("g-a", Enumerable.Range(1, 50).Select(i => $"a{i}"));
        await host.Client.PublishAsync("g-b", "b1");
        long first = (await host.Client.GetInfoAsync("g-a")).First!.Value;
        Assert.True(first > 2, $"retention 10 must have trimmed g-a; first = {first}");

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=g-a&stream=g-b", lastEventId: "g-a:1,g-b:0");
        await client.WaitForAsync(e => e.Id == "g-a:50,g-b:1", timeout: null, "every retained event of both");

        SseEvent gap = Assert.Single(client.Events, e => e.Type == "gap");
        Assert.Null(gap.Id);
        Assert.Equal($"{{\"lastEventId\":1,\"first\":{first},\"stream\":\"g-a\"}}", gap.Data);
        Assert.DoesNotContain(client.Events, e => e.Type == "reset");
        CompositeSeam.AssertExact(
            client,
            ["g-a", "g-b"],
            new Dictionary<string, long> { ["g-a"] = first - 1, ["g-b"] = 0 },
            new Dictionary<string, long> { ["g-a"] = 50, ["g-b"] = 1 },
            Published(("g-a", Enumerable.Range(1, 50).Select(i => $"a{i}")), ("g-b", ["b1"])),
            allowControlFrames: true);
    }

    [Fact]
    public async Task SubscribeMany_ClientAheadOnOneStream_ResetsOnlyThatStream()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("r-a", ["a1", "a2"]);
        await host.Client.PublishBatchAsync("r-b", ["b1", "b2"]);
        string epoch = (await host.Client.GetInfoAsync("r-a")).Epoch;

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=r-a&stream=r-b", lastEventId: "r-a:99,r-b:1");
        await client.WaitForAsync(e => e.Id == "r-a:2,r-b:2", timeout: null, "r-a from its start and b2");

        SseEvent reset = Assert.Single(client.Events, e => e.Type == "reset");
        Assert.Equal($"{{\"lastEventId\":99,\"last\":2,\"epoch\":\"{epoch}\",\"stream\":\"r-a\"}}", reset.Data);
        Assert.Contains($"\"stream\":\"r-a\"}}\n\nid: r-a:0,r-b:1\n\n", client.RawText, StringComparison.Ordinal); // where each stream continues
        CompositeSeam.AssertExact(
            client,
            ["r-a", "r-b"],
            new Dictionary<string, long> { ["r-a"] = 0, ["r-b"] = 1 }, // after a reset a stream's pair starts from its first retained ID - 1
            new Dictionary<string, long> { ["r-a"] = 2, ["r-b"] = 2 },
            Published(("r-a", ["a1", "a2"]), ("r-b", ["b1", "b2"])),
            allowControlFrames: true);
    }

    [Fact]
    public async Task SubscribeMany_AnotherEpoch_ResetsTheStreamsWithAPairAndLeavesTheOthersLive()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("e-a", ["a1", "a2"]);
        await host.Client.PublishBatchAsync("e-b", ["b1"]);

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=e-a&stream=e-b&epoch=old-epoch", lastEventId: "e-a:2");
        await client.WaitForAsync(e => e.Id == "e-a:2,e-b:1", timeout: null, "e-a replayed from its start");
        await host.Client.PublishAsync("e-b", "b2");
        await client.WaitForAsync(e => e.Id == "e-a:2,e-b:2", timeout: null, "b2 live");

        SseEvent reset = Assert.Single(client.Events, e => e.Type == "reset");
        Assert.Contains("\"stream\":\"e-a\"", reset.Data, StringComparison.Ordinal);
        Assert.Equal(["a1", "a2", "b2"], client.IdentifiedEvents.Select(e => e.Data));
    }

    public static TheoryData<string, string, string?> BadRequests => new()
    {
        { "no stream", "/subscribe", null },
        { "empty stream", "/subscribe?stream=", null },
        { "invalid stream", "/subscribe?stream=ok&stream=.hidden", null },
        { "duplicate stream", "/subscribe?stream=a&stream=a", null },
        { "more than the limit", "/subscribe?" + string.Join('&', Enumerable.Range(0, 65).Select(i => $"stream=s{i}")), null },
        { "empty cursor", "/subscribe?stream=a", "" },
        { "no colon", "/subscribe?stream=a", "a" },
        { "leading zero", "/subscribe?stream=a", "a:01" },
        { "negative", "/subscribe?stream=a", "a:-1" },
        { "space", "/subscribe?stream=a", "a:1, b:2" },
        { "trailing comma", "/subscribe?stream=a", "a:1," },
        { "duplicate pair", "/subscribe?stream=a", "a:1,a:2" },
        { "bad pair name", "/subscribe?stream=a", "a:1,.b:2" },
        { "more pairs than the limit", "/subscribe?stream=a", string.Join(',', Enumerable.Range(0, 65).Select(i => $"s{i}:1")) },
        { "bad query cursor", "/subscribe?stream=a&lastEventId=a:x", null },
        { "empty epoch", "/subscribe?stream=a&epoch=", null },
        { "invalid type", "/subscribe?stream=a&type=no%20spaces", null },
        { "empty type", "/subscribe?stream=a&type=", null },
        { "invalid type on one stream", "/streams/a?type=a%2Fb", null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task SubscribeMany_BadRequest_Answers400ProblemJsonAndOpensNothing(string why, string path, string? lastEventId)
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        using HttpRequestMessage request = new(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        using HttpResponseMessage response = await host.Client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: expected 400, got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()), why);
        Assert.Equal(0, (await host.Client.GetInfoAsync("a")).Subscribers);
    }

    [Fact]
    public async Task SubscribeMany_OneConnection_CountsAsASubscriberOfEachOfItsStreams()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);

        await using (SseClient client = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=c-a&stream=c-b"))
        {
            await client.WaitForTypeAsync("hello");
            Assert.Equal(1, (await host.Client.GetInfoAsync("c-a")).Subscribers);
            Assert.Equal(1, (await host.Client.GetInfoAsync("c-b")).Subscribers);
        }

        await Polling.WaitUntilAsync(async () => (await host.Client.GetInfoAsync("c-a")).Subscribers == 0, "the closed connection to leave c-a");
        Assert.Equal(0, (await host.Client.GetInfoAsync("c-b")).Subscribers);
    }

    private static Dictionary<(string Stream, long Id), string> Published(params (string Stream, IEnumerable<string> Data)[] streams)
    {
        Dictionary<(string Stream, long Id), string> published = [];
        foreach ((string stream, IEnumerable<string> data) in streams)
        {
            long id = 0;
            foreach (string d in data)
            {
                published[(stream, ++id)] = d;
            }
        }

        return published;
    }
}

public sealed class StandaloneSubscribeManyTests() : SubscribeManyTests(HostKind.Standalone);

public sealed class EmbeddedSubscribeManyTests() : SubscribeManyTests(HostKind.Embedded);
