using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Subscribe": headers, the retry/hello preamble, and where each kind of resume position starts; run against the
/// standalone server and an app that embeds Herald (the sealed classes at the end).
/// </summary>
public abstract class SubscribeResumeTests
{
    private readonly HeraldHost _host;

    private protected SubscribeResumeTests(HeraldHost host) => _host = host;

    private HttpClient Http => _host.Client;

    [Fact]
    public async Task Subscribe_LastEventIdHeader_ReplaysAfterItThenContinuesLive()
    {
        await PublishNumberedAsync("resume-header", 50);

        await using SseClient client = await SseClient.ConnectAsync(Http, "/streams/resume-header", lastEventId: "42");
        await client.WaitForIdAsync(50);
        await PublishNumberedAsync("resume-header", 2, from: 51);
        await client.WaitForIdAsync(52);

        AssertHelloThenIds(client, "resume-header", last: 50, from: 43, to: 52);
        Assert.Equal("event-43", client.IdentifiedEvents[0].Data);
    }

    [Fact]
    public async Task Subscribe_LastEventIdQuery_ReplaysAfterItThenContinuesLive()
    {
        await PublishNumberedAsync("resume-query", 50);

        await using SseClient client = await SseClient.ConnectAsync(Http, "/streams/resume-query?lastEventId=42");
        await client.WaitForIdAsync(50);
        await PublishNumberedAsync("resume-query", 2, from: 51);
        await client.WaitForIdAsync(52);

        AssertHelloThenIds(client, "resume-query", last: 50, from: 43, to: 52);
    }

    [Fact]
    public async Task Subscribe_HeaderAndQueryBothPresent_HeaderWins()
    {
        await PublishNumberedAsync("resume-both", 50);

        await using SseClient client = await SseClient.ConnectAsync(Http, "/streams/resume-both?lastEventId=10", lastEventId: "42");
        await client.WaitForIdAsync(50);

        AssertHelloThenIds(client, "resume-both", last: 50, from: 43, to: 50);
    }

    [Fact]
    public async Task Subscribe_AnyPosition_SendsEventStreamHeadersRetryThenHello()
    {
        await PublishNumberedAsync("preamble", 3);

        await using SseClient client = await SseClient.ConnectAsync(Http, "/streams/preamble", lastEventId: "1");
        await client.WaitForIdAsync(3);

        HttpResponseMessage response = client.Response;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", string.Join(",", response.Headers.GetValues("Cache-Control")));
        Assert.Equal("no", string.Join(",", response.Headers.GetValues("X-Accel-Buffering")));

        string raw = client.RawText;
        Assert.StartsWith("retry: ", raw, StringComparison.Ordinal);
        string afterRetry = raw[(raw.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        Assert.StartsWith("event: hello\ndata: ", afterRetry, StringComparison.Ordinal);
        string helloFrame = afterRetry[..afterRetry.IndexOf("\n\n", StringComparison.Ordinal)];
        Assert.DoesNotContain("id:", helloFrame, StringComparison.Ordinal);

        SseEvent hello = client.Events[0];
        Assert.Equal("hello", hello.Type);
        Assert.Null(hello.Id);
        using JsonDocument data = JsonDocument.Parse(hello.Data);
        Assert.Equal("preamble", data.RootElement.GetProperty("stream").GetString());
        Assert.Equal(_host.Epoch, data.RootElement.GetProperty("epoch").GetString());
        Assert.Equal(3, data.RootElement.GetProperty("last").GetInt64());
    }

    [Fact]
    public async Task Subscribe_NoPosition_ReceivesOnlyEventsPublishedAfterConnecting()
    {
        await PublishNumberedAsync("live-only", 10);

        await using SseClient client = await SseClient.ConnectAsync(Http, "/streams/live-only");
        await client.WaitForTypeAsync("hello");
        await PublishNumberedAsync("live-only", 3, from: 11);
        await client.WaitForIdAsync(13);

        AssertHelloThenIds(client, "live-only", last: 10, from: 11, to: 13);
    }

    [Fact]
    public async Task Subscribe_PositionZero_ReplaysEveryRetainedEvent()
    {
        await PublishNumberedAsync("from-zero", 20);

        await using SseClient client = await SseClient.ConnectAsync(Http, "/streams/from-zero", lastEventId: "0");
        await client.WaitForIdAsync(20);

        AssertHelloThenIds(client, "from-zero", last: 20, from: 1, to: 20);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"event-{i}"), client.IdentifiedEvents.Select(e => e.Data));
    }

    [Fact]
    public async Task Subscribe_TypedEvent_CarriesItsEventField()
    {
        await Http.PublishAsync("typed", "{\"x\":1}", eventType: "order.created");

        await using SseClient client = await SseClient.ConnectAsync(Http, "/streams/typed", lastEventId: "0");
        SseEvent e = await client.WaitForIdAsync(1);

        Assert.Equal("order.created", e.Type);
        Assert.Contains("id: 1\nevent: order.created\ndata: {\"x\":1}\n\n", client.RawText, StringComparison.Ordinal);
    }

    private async Task PublishNumberedAsync(string stream, int count, int from = 1)
    {
        for (int i = from; i < from + count; i++)
        {
            long id = await Http.PublishAsync(stream, $"event-{i}");
            Assert.Equal(i, id);
        }
    }

    private static void AssertHelloThenIds(SseClient client, string stream, long last, long from, long to)
    {
        IReadOnlyList<SseEvent> events = client.Events;
        Assert.True(events.Count > 0 && events[0].Type == "hello", $"the first frame must be hello; got {string.Join("; ", events.Take(3))}");
        using (JsonDocument hello = JsonDocument.Parse(events[0].Data))
        {
            Assert.Equal(stream, hello.RootElement.GetProperty("stream").GetString());
            Assert.Equal(last, hello.RootElement.GetProperty("last").GetInt64());
        }

        Assert.All(events.Skip(1), e => Assert.NotNull(e.Id));
        SequenceAssert.Contiguous([.. events.Skip(1).Select(e => e.NumericId)], from, to, client.Description);
        Assert.DoesNotContain("\r", Encoding.UTF8.GetString(client.RawBytes), StringComparison.Ordinal);
    }
}

public sealed class StandaloneSubscribeResumeTests(MemoryHostFixture fixture) : SubscribeResumeTests(fixture.Host), IClassFixture<MemoryHostFixture>;

public sealed class EmbeddedSubscribeResumeTests(EmbeddedHostFixture fixture) : SubscribeResumeTests(fixture.Host), IClassFixture<EmbeddedHostFixture>;
