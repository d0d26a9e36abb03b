using System.Net;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Subscribe": trimmed history (gap), a client ahead or on another epoch (reset), and the epoch parameter; run
/// against the standalone server and an app that embeds Herald (the sealed classes at the end).
/// </summary>
public abstract class GapAndResetTests
{
    private readonly HostKind _kind;

    private protected GapAndResetTests(HostKind kind) => _kind = kind;

    [Fact]
    public async Task Subscribe_LastEventIdBelowFirstRetained_SendsGapThenReplaysFromFirst()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind, o => o.Retention = 10);
        await host.Client.PublishBatchAsync("trimmed", Enumerable.Range(1, 50).Select(i => $"e{i}"));
        StreamInfoBody info = await host.Client.GetInfoAsync("trimmed");
        Assert.True(info.First > 2, $"retention 10 with 50 events must have trimmed the stream; info.first = {info.First}");
        long first = info.First!.Value;

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/trimmed", lastEventId: "1");
        await client.WaitForIdAsync(50);

        IReadOnlyList<SseEvent> events = client.Events;
        Assert.Equal("hello", events[0].Type);
        Assert.Equal("gap", events[1].Type);
        Assert.Null(events[1].Id);
        Assert.Equal($"{{\"lastEventId\":1,\"first\":{first}}}", events[1].Data);
        SequenceAssert.Contiguous([.. events.Skip(2).Select(e => e.NumericId)], first, 50, client.Description);
        Assert.Equal($"e{first}", events[2].Data);
    }

    [Fact]
    public async Task Subscribe_LastEventIdAtFirstRetainedMinusOne_ReplaysWithoutGap()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind, o => o.Retention = 10);
        await host.Client.PublishBatchAsync("edge", Enumerable.Range(1, 50).Select(i => $"e{i}"));
        long first = (await host.Client.GetInfoAsync("edge")).First!.Value;

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/edge", lastEventId: (first - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await client.WaitForIdAsync(50);

        Assert.DoesNotContain(client.Events, e => e.Type is "gap" or "reset");
        SequenceAssert.Contiguous([.. client.IdentifiedEvents.Select(e => e.NumericId)], first, 50, client.Description);
    }

    [Fact]
    public async Task Subscribe_LastEventIdAheadOfStream_SendsResetThenEveryRetainedEvent()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("ahead", Enumerable.Range(1, 5).Select(i => $"e{i}"));

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/ahead", lastEventId: "999");
        await client.WaitForIdAsync(5);

        AssertResetThenAll(client, $"{{\"lastEventId\":999,\"last\":5,\"epoch\":\"{host.Epoch}\"}}", 5);
    }

    [Fact]
    public async Task Subscribe_EpochOfAnotherStore_SendsResetThenEveryRetainedEvent()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("other-epoch", Enumerable.Range(1, 5).Select(i => $"e{i}"));

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/other-epoch?lastEventId=3&epoch=" + Guid.NewGuid());
        await client.WaitForIdAsync(5);

        AssertResetThenAll(client, $"{{\"lastEventId\":3,\"last\":5,\"epoch\":\"{host.Epoch}\"}}", 5);
    }

    [Fact]
    public async Task Subscribe_EpochOfThisStore_ResumesExactly()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("same-epoch", Enumerable.Range(1, 5).Select(i => $"e{i}"));

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/same-epoch?lastEventId=3&epoch=" + host.Epoch);
        await client.WaitForIdAsync(5);

        Assert.DoesNotContain(client.Events, e => e.Type is "gap" or "reset");
        SequenceAssert.Contiguous([.. client.IdentifiedEvents.Select(e => e.NumericId)], 4, 5, client.Description);
    }

    [Theory]
    [InlineData("/streams/empty-epoch?lastEventId=3&epoch=")]
    [InlineData("/streams/empty-epoch?epoch=")]
    [InlineData("/streams/empty-epoch?lastEventId=3&epoch=a&epoch=b")] // twice, with a position: which one?
    public async Task Subscribe_EmptyOrAmbiguousEpoch_Answers400(string path)
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);

        using HttpResponseMessage response = await host.Client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Subscribe_EpochWithoutPosition_IsIgnoredAndServesLive()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("epoch-live", Enumerable.Range(1, 5).Select(i => $"e{i}"));

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/epoch-live?epoch=" + Guid.NewGuid() + "&epoch=twice-is-ignored-too");
        await client.WaitForTypeAsync("hello");
        await host.Client.PublishAsync("epoch-live", "e6");
        await client.WaitForIdAsync(6);

        IReadOnlyList<SseEvent> events = client.Events;
        Assert.Equal(["hello", "message"], events.Select(e => e.Type));
        Assert.Equal("6", events[1].Id);
    }

    private static void AssertResetThenAll(SseClient client, string expectedResetData, long last)
    {
        IReadOnlyList<SseEvent> events = client.Events;
        Assert.Equal("hello", events[0].Type);
        Assert.Equal("reset", events[1].Type);
        Assert.Null(events[1].Id);
        Assert.Equal(expectedResetData, events[1].Data);
        using (JsonDocument reset = JsonDocument.Parse(events[1].Data))
        {
            Assert.Equal(last, reset.RootElement.GetProperty("last").GetInt64());
        }

        SequenceAssert.Contiguous([.. events.Skip(2).Select(e => e.NumericId)], 1, last, client.Description);
    }
}

public sealed class StandaloneGapAndResetTests() : GapAndResetTests(HostKind.Standalone);

public sealed class EmbeddedGapAndResetTests() : GapAndResetTests(HostKind.Embedded);
