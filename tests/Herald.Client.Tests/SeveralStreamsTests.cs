using Herald.Client.Tests.Infrastructure;
using Herald.Server;
using Herald.Testing.Infrastructure;

namespace Herald.Client.Tests;

/// <summary><see cref="HeraldClient.SubscribeAsync(IEnumerable{string}, StreamCursor?, IEnumerable{string}?, CancellationToken)"/> against the real server in process.</summary>
public sealed class SeveralStreamsTests(MemoryHostFixture fixture) : IClassFixture<MemoryHostFixture>
{
    private HeraldHost Host => fixture.Host;

    [Fact]
    public async Task SubscribeSeveral_FromZero_YieldsEachStreamsEventsInOrderWithStreamIdAndCursor()
    {
        string[] streams = ["s-zero-a", "s-zero-b"];
        await Host.Client.PublishAsync("s-zero-a", "a1");
        await Host.Client.PublishAsync("s-zero-b", "b1", "note");
        await Host.Client.PublishAsync("s-zero-a", "a2");
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(streams, StreamCursor.Parse("s-zero-a:0,s-zero-b:0"), cancellationToken: stop));
        await recorder.WaitForEventAsync("s-zero-a", 2);
        await recorder.WaitForEventAsync("s-zero-b", 1);

        Assert.Equal(["a1", "a2"], recorder.EventsOf("s-zero-a").Select(e => e.Data));
        Assert.Equal([1L, 2L], recorder.EventsOf("s-zero-a").Select(e => e.Id));
        HeraldEvent b = Assert.Single(recorder.EventsOf("s-zero-b"));
        Assert.Equal((1L, "note", "b1"), (b.Id, b.EventType, b.Data));

        // Each event's cursor holds its own ID for its stream, and the last one holds every stream's last.
        Assert.All(recorder.Items.Cast<HeraldEvent>(), e => Assert.True(e.Cursor!.TryGetPosition(e.Stream, out long p) && p == e.Id, $"{e} has cursor {e.Cursor}"));
        Assert.Equal("s-zero-a:2,s-zero-b:1", recorder.Items.Cast<HeraldEvent>().Last().Cursor!.ToString());
    }

    [Fact]
    public async Task SubscribeSeveral_ResumedFromASavedCursor_YieldsExactlyTheEventsAfterEachStreamsPosition()
    {
        string[] streams = ["s-resume-a", "s-resume-b"];
        for (int i = 1; i <= 4; i++)
        {
            await Host.Client.PublishAsync("s-resume-a", $"a{i}");
            await Host.Client.PublishAsync("s-resume-b", $"b{i}");
        }

        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        string saved;
        await using (SubscriptionRecorder first = SubscriptionRecorder.Start(stop => client.SubscribeAsync(streams, StreamCursor.Parse("s-resume-a:0,s-resume-b:0"), cancellationToken: stop)))
        {
            await first.WaitForEventAsync("s-resume-a", 3);

            // The cursor after a3, whatever the interleaving: a at 3, b wherever it was then.
            saved = first.EventsOf("s-resume-a").Single(e => e.Id == 3).Cursor!.ToString();
        }

        for (int i = 5; i <= 6; i++)
        {
            await Host.Client.PublishAsync("s-resume-a", $"a{i}");
            await Host.Client.PublishAsync("s-resume-b", $"b{i}");
        }

        StreamCursor cursor = StreamCursor.Parse(saved);
        Assert.True(cursor.TryGetPosition("s-resume-a", out long a) && a == 3, $"saved cursor {saved}");
        Assert.True(cursor.TryGetPosition("s-resume-b", out long b), $"saved cursor {saved}");
        await using SubscriptionRecorder resumed = SubscriptionRecorder.Start(stop => client.SubscribeAsync(streams, cursor, cancellationToken: stop));
        await resumed.WaitForEventAsync("s-resume-a", 6);
        await resumed.WaitForEventAsync("s-resume-b", 6);

        Assert.Equal([4L, 5L, 6L], resumed.EventsOf("s-resume-a").Select(e => e.Id));
        Assert.Equal(Enumerable.Range((int)b + 1, 6 - (int)b).Select(i => (long)i), resumed.EventsOf("s-resume-b").Select(e => e.Id));
        Assert.Equal(3 + (6 - (int)b), resumed.Items.Count);
    }

    [Fact]
    public async Task SubscribeSeveral_StreamMissingFromCursor_StartsLiveAndPairsOfOtherStreamsAreKept()
    {
        string[] streams = ["s-live-a", "s-live-b"];
        await Host.Client.PublishAsync("s-live-a", "a1");
        await Host.Client.PublishAsync("s-live-b", "b-before");
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(streams, StreamCursor.Parse("elsewhere:7,s-live-a:0"), cancellationToken: stop));
        await recorder.WaitForEventAsync("s-live-a", 1);
        await SubscribeTests.WaitForSubscriberAsync(Host.Client, "s-live-b");

        await Host.Client.PublishAsync("s-live-b", "b-after");
        await recorder.WaitForEventAsync("s-live-b", 2);

        Assert.Equal(["a1"], recorder.EventsOf("s-live-a").Select(e => e.Data));
        Assert.Equal(["b-after"], recorder.EventsOf("s-live-b").Select(e => e.Data));
        Assert.Equal("s-live-a:1,s-live-b:2,elsewhere:7", recorder.Items.Cast<HeraldEvent>().Last().Cursor!.ToString());
    }

    [Fact]
    public async Task SubscribeSeveral_ConnectionCutAfterAnEventsIdLine_YieldsThatEventOnceAfterReconnecting()
    {
        string[] streams = ["s-cut-a", "s-cut-b"];
        await using LoopbackProxy proxy = new(Host.BaseAddress);
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        await Host.Client.PublishAsync("s-cut-b", "b1");

        // The frame of a3 loses everything after its id: line; the client must resume from a2, not from the ID it saw.
        proxy.CutAfter("id: s-cut-a:3,s-cut-b:1\n");
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(streams, StreamCursor.Parse("s-cut-a:0,s-cut-b:1"), cancellationToken: stop));
        for (int i = 1; i <= 5; i++)
        {
            await Host.Client.PublishAsync("s-cut-a", $"a{i}");
        }

        await recorder.WaitForEventAsync("s-cut-a", 5);

        Assert.Equal(["a1", "a2", "a3", "a4", "a5"], recorder.EventsOf("s-cut-a").Select(e => e.Data));
        Assert.Empty(recorder.EventsOf("s-cut-b"));
        Assert.True(proxy.Connections >= 2, "the cut must have made the client reconnect");
    }

    [Fact]
    public async Task SubscribeSeveral_OneStreamsHistoryTrimmed_YieldsAGapForThatStreamOnly()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { Retention = 10 } });
        await host.Client.PublishBatchAsync("s-gap-a", Enumerable.Range(1, 50).Select(i => $"a{i}"));
        await host.Client.PublishBatchAsync("s-gap-b", Enumerable.Range(1, 5).Select(i => $"b{i}"));
        long first = (await host.Client.GetInfoAsync("s-gap-a")).First!.Value;
        Assert.True(first > 2, $"retention 10 must have trimmed the stream; first = {first}");

        await using HeraldClient client = Clients.Create(host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(["s-gap-a", "s-gap-b"], StreamCursor.Parse("s-gap-a:1,s-gap-b:0"), cancellationToken: stop));
        await recorder.WaitForEventAsync("s-gap-a", 50);
        await recorder.WaitForEventAsync("s-gap-b", 5);

        HeraldGap gap = Assert.Single(recorder.Items.OfType<HeraldGap>());
        Assert.Equal(("s-gap-a", 1L, first), (gap.Stream, gap.LastEventId, gap.First));
        int gapAt = recorder.Items.ToList().IndexOf(gap);
        Assert.DoesNotContain(recorder.Items.Take(gapAt), item => item is HeraldEvent { Stream: "s-gap-a" });
        SequenceAssert.Contiguous([.. recorder.EventsOf("s-gap-a").Select(e => e.Id)], first, 50, "s-gap-a after its gap");
        SequenceAssert.Contiguous([.. recorder.EventsOf("s-gap-b").Select(e => e.Id)], 1, 5, "s-gap-b");
        Assert.Empty(recorder.Items.OfType<HeraldReset>());
    }

    [Fact]
    public async Task SubscribeSeveral_StoreReplacedWhileConnected_YieldsAResetPerStreamThenEveryEventOfTheNewStore()
    {
        // A memory store behind a proxy: the replacement answers at the same address with a new epoch.
        HeraldHost old = await HeraldHost.StartAsync();
        await using LoopbackProxy proxy = new(old.BaseAddress);
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(["s-reset-x", "s-reset-y"], StreamCursor.Parse("s-reset-x:0,s-reset-y:0"), cancellationToken: stop));
        for (int i = 1; i <= 3; i++)
        {
            await old.Client.PublishAsync("s-reset-x", $"old-x{i}");
            await old.Client.PublishAsync("s-reset-y", $"old-y{i}");
        }

        await recorder.WaitForEventAsync("s-reset-x", 3);
        await recorder.WaitForEventAsync("s-reset-y", 3);

        await old.DisposeAsync();
        await using HeraldHost replacement = await HeraldHost.StartAsync();
        for (int i = 1; i <= 4; i++)
        {
            // More events than the client saw on x: only the epoch tells the server that x:3 means nothing here.
            await replacement.Client.PublishAsync("s-reset-x", $"new-x{i}");
        }

        await replacement.Client.PublishAsync("s-reset-y", "new-y1");
        proxy.Target = replacement.BaseAddress;
        await recorder.WaitForAsync(items => items.OfType<HeraldEvent>().Any(e => e.Data == "new-x4") && items.OfType<HeraldEvent>().Any(e => e.Data == "new-y1"), "new-x4 and new-y1");

        HeraldReset[] resets = [.. recorder.Items.OfType<HeraldReset>()];
        Assert.Equal(["s-reset-x", "s-reset-y"], resets.Select(r => r.Stream).Order());
        Assert.All(resets, r => Assert.Equal(replacement.Epoch, r.Epoch));
        Assert.Equal((3L, 4L), (resets.Single(r => r.Stream == "s-reset-x").LastEventId, resets.Single(r => r.Stream == "s-reset-x").Last));
        Assert.Equal(["old-x1", "old-x2", "old-x3", "new-x1", "new-x2", "new-x3", "new-x4"], recorder.EventsOf("s-reset-x").Select(e => e.Data));
        Assert.Equal(["old-y1", "old-y2", "old-y3", "new-y1"], recorder.EventsOf("s-reset-y").Select(e => e.Data));
    }

    [Fact]
    public async Task SubscribeSeveral_TypeFilterThenCutAfterAnIdOnlyFrame_ResumesPastTheSkippedEventsAndYieldsEachKeptEventOnce()
    {
        // Retention 3: were the client to resume from a:1 instead of past the skipped events, a:2..a:18 are gone and the
        // server would answer with a gap. Resuming from the id-only frame's position needs no gap.
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { Retention = 3 } });
        await using LoopbackProxy proxy = new(host.BaseAddress);
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        string[] streams = ["s-type-a", "s-type-b"];
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(streams, StreamCursor.Parse("s-type-a:0,s-type-b:0"), ["keep"], stop));
        await host.Client.PublishAsync("s-type-a", "kept-1", "keep");
        await recorder.WaitForEventAsync("s-type-a", 1);

        proxy.CutAfter("id: s-type-a:21,s-type-b:0\n\n");
        await using HeraldClient publisher = Clients.Create(host.BaseAddress); // not through the proxy, whose connections are counted
        await publisher.PublishBatchAsync("s-type-a", Enumerable.Range(2, 20).Select(i => ($"skipped-{i}", (string?)"skip")));
        await Polling.WaitUntilAsync(() => Task.FromResult(proxy.Connections >= 2), "the client to reconnect after the cut", TestTimeouts.Frame);
        await host.Client.PublishAsync("s-type-a", "kept-22", "keep");
        await host.Client.PublishAsync("s-type-b", "kept-b1", "keep");
        await recorder.WaitForEventAsync("s-type-a", 22);
        await recorder.WaitForEventAsync("s-type-b", 1);

        Assert.Empty(recorder.Items.OfType<HeraldGap>());
        Assert.Equal(["kept-1", "kept-22"], recorder.EventsOf("s-type-a").Select(e => e.Data));
        Assert.Equal(["kept-b1"], recorder.EventsOf("s-type-b").Select(e => e.Data));
        Assert.Equal("s-type-a:22,s-type-b:1", recorder.Items.Cast<HeraldEvent>().Last().Cursor!.ToString());
    }

    [Fact]
    public async Task Subscribe_OneStreamTypeFilterThenCutAfterAnIdOnlyFrame_ResumesPastTheSkippedEvents()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { Retention = 3 } });
        await using LoopbackProxy proxy = new(host.BaseAddress);
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync("s-type-one", 0, ["keep"], stop));
        await host.Client.PublishAsync("s-type-one", "kept-1", "keep");
        await recorder.WaitForEventAsync(1);

        proxy.CutAfter("id: 21\n\n");
        await using HeraldClient publisher = Clients.Create(host.BaseAddress); // not through the proxy, whose connections are counted
        await publisher.PublishBatchAsync("s-type-one", Enumerable.Range(2, 20).Select(i => ($"skipped-{i}", (string?)"skip")));
        await Polling.WaitUntilAsync(() => Task.FromResult(proxy.Connections >= 2), "the client to reconnect after the cut", TestTimeouts.Frame);
        await host.Client.PublishAsync("s-type-one", "kept-22");
        await host.Client.PublishAsync("s-type-one", "kept-23", "keep");
        await recorder.WaitForEventAsync(23);

        Assert.Empty(recorder.Items.OfType<HeraldGap>());
        Assert.Equal(["kept-1", "kept-23"], recorder.Items.Cast<HeraldEvent>().Select(e => e.Data));
    }

    [Fact]
    public async Task SubscribeSeveral_UnknownTypeName_ThrowsTheServersProblem()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(["s-bad"], null, ["not a type"], stop));

        HeraldException error = Assert.IsType<HeraldException>(await recorder.WaitForErrorAsync());
        Assert.Equal(400, error.StatusCode);
    }
}
