using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md, the <c>type=</c> filter on both subscribe endpoints: only the named types are delivered, skipped events
/// move the cursor by an id-only frame, and a client resuming from any ID it was given — one set by an id-only frame
/// included — gets nothing twice and misses nothing of its types.
/// </summary>
public abstract class TypeFilterTests
{
    private readonly HostKind _kind;

    private protected TypeFilterTests(HostKind kind) => _kind = kind;

    [Fact]
    public async Task Subscribe_TypeFilter_DeliversOnlyThoseTypesAndEndsAWriteOfSkippedEventsWithAnIdOnlyFrame()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishAsync("tf", "o1", eventType: "order");
        await host.Client.PublishAsync("tf", "n2");
        await host.Client.PublishAsync("tf", "p3", eventType: "price");

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/tf?type=order&type=message", lastEventId: "0");
        await client.WaitForRawAsync(raw => raw.Contains("id: 3\n\n", StringComparison.Ordinal), timeout: null, "the id-only frame past p3");
        await client.WaitForIdAsync(2); // the parser dispatches after the bytes are recorded

        Assert.Equal(["o1", "n2"], client.IdentifiedEvents.Select(e => e.Data));
        Assert.Equal(["order", "message"], client.IdentifiedEvents.Select(e => e.Type));
        Assert.EndsWith("id: 2\ndata: n2\n\nid: 3\n\n", client.RawText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_TypeFilter_ResumedFromAnIdOnlyFramesId_MissesNothingAndRepeatsNothing()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        string[] types = ["keep", "drop", "drop", "keep", "drop"];
        for (int i = 0; i < types.Length; i++)
        {
            await host.Client.PublishAsync("tr", $"e{i + 1}", eventType: types[i]);
        }

        string resumeFrom;
        await using (SseClient first = await SseClient.ConnectAsync(host.Client, "/streams/tr?type=keep", lastEventId: "0"))
        {
            await first.WaitForRawAsync(raw => raw.Contains("id: 5\n\n", StringComparison.Ordinal), timeout: null, "the id-only frame past e5");
            await first.WaitForIdAsync(4);
            Assert.Equal(["e1", "e4"], first.IdentifiedEvents.Select(e => e.Data));
            resumeFrom = "5"; // what an EventSource's lastEventId now holds: the id-only frame's
        }

        await host.Client.PublishAsync("tr", "e6", eventType: "drop");
        await host.Client.PublishAsync("tr", "e7", eventType: "keep");
        await using SseClient resumed = await SseClient.ConnectAsync(host.Client, "/streams/tr?type=keep", lastEventId: resumeFrom);
        await resumed.WaitForIdAsync(7);

        Assert.Equal(["e7"], resumed.IdentifiedEvents.Select(e => e.Data));
        Assert.DoesNotContain("data: e6\n", resumed.RawText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribeMany_TypeFilter_IdOnlyFramesCarryTheCompositeCursorAndAResumeFromOneIsExact()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishAsync("tm-a", "a1", eventType: "keep");
        await host.Client.PublishAsync("tm-b", "b1", eventType: "drop");

        string cursor;
        await using (SseClient first = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=tm-a&stream=tm-b&type=keep", lastEventId: "tm-a:0,tm-b:0"))
        {
            await first.WaitForRawAsync(raw => raw.Contains("id: tm-a:1,tm-b:1\n\n", StringComparison.Ordinal), timeout: null, "the id-only frame past b1");
            await first.WaitForAsync(e => e.Data == "a1", timeout: null, "a1");
            Assert.Equal(["a1"], first.IdentifiedEvents.Select(e => e.Data));
            cursor = "tm-a:1,tm-b:1";
        }

        await host.Client.PublishAsync("tm-b", "b2", eventType: "keep");
        await host.Client.PublishAsync("tm-a", "a2", eventType: "drop");
        await using SseClient resumed = await SseClient.ConnectAsync(host.Client, "/subscribe?stream=tm-a&stream=tm-b&type=keep", lastEventId: cursor);
        await resumed.WaitForRawAsync(raw => raw.Contains("tm-a:2,tm-b:2", StringComparison.Ordinal), timeout: null, "both streams at 2");
        await resumed.WaitForAsync(e => e.Data == "b2", timeout: null, "b2");

        Assert.Equal(["b2"], resumed.IdentifiedEvents.Select(e => e.Data));
        Assert.DoesNotContain("data: a1\n", resumed.RawText, StringComparison.Ordinal);
        Assert.DoesNotContain("data: a2\n", resumed.RawText, StringComparison.Ordinal);
    }
}

public sealed class StandaloneTypeFilterTests() : TypeFilterTests(HostKind.Standalone);

public sealed class EmbeddedTypeFilterTests() : TypeFilterTests(HostKind.Embedded);
