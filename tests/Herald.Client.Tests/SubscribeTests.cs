using Herald.Client.Tests.Infrastructure;
using Herald.Server;
using Herald.Testing.Infrastructure;

namespace Herald.Client.Tests;

/// <summary><see cref="HeraldClient.SubscribeAsync"/> against the real server in process (memory store unless said otherwise).</summary>
public sealed class SubscribeTests(MemoryHostFixture fixture) : IClassFixture<MemoryHostFixture>
{
    private HeraldHost Host => fixture.Host;

    [Fact]
    public async Task Subscribe_FromZero_YieldsRetainedEventsThenLiveWithTypesAndData()
    {
        await Host.Client.PublishAsync("c-zero", "one");
        await Host.Client.PublishAsync("c-zero", "two\nlines", "note");
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-zero", lastEventId: 0);
        await recorder.WaitForEventAsync(2);

        await Host.Client.PublishAsync("c-zero", "three");
        await recorder.WaitForEventAsync(3);

        HeraldEvent[] events = [.. recorder.Items.Cast<HeraldEvent>()];
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Id));
        Assert.Equal(["message", "note", "message"], events.Select(e => e.EventType));
        Assert.Equal(["one", "two\nlines", "three"], events.Select(e => e.Data));
    }

    [Fact]
    public async Task Subscribe_FromPosition_YieldsOnlyLaterEvents()
    {
        for (int i = 1; i <= 5; i++)
        {
            await Host.Client.PublishAsync("c-position", $"e{i}");
        }

        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-position", lastEventId: 3);
        await recorder.WaitForEventAsync(5);

        Assert.Equal([4L, 5L], recorder.EventIds);
    }

    [Fact]
    public async Task Subscribe_Live_YieldsOnlyEventsPublishedAfterConnecting()
    {
        await Host.Client.PublishAsync("c-live", "before");
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-live");
        await WaitForSubscriberAsync(Host.Client, "c-live");

        await Host.Client.PublishAsync("c-live", "after");
        await recorder.WaitForEventAsync(2);

        HeraldEvent only = Assert.IsType<HeraldEvent>(Assert.Single(recorder.Items));
        Assert.Equal(2, only.Id);
        Assert.Equal("after", only.Data);
    }

    [Fact]
    public async Task Subscribe_HistoryTrimmed_YieldsGapThenEventsFromFirstRetained()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { Retention = 10 } });
        await host.Client.PublishBatchAsync("c-gap", Enumerable.Range(1, 50).Select(i => $"e{i}"));
        long first = (await host.Client.GetInfoAsync("c-gap")).First!.Value;
        Assert.True(first > 2, $"retention 10 must have trimmed the stream; first = {first}");

        await using HeraldClient client = Clients.Create(host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-gap", lastEventId: 1);
        await recorder.WaitForEventAsync(50);

        IReadOnlyList<HeraldItem> items = recorder.Items;
        HeraldGap gap = Assert.IsType<HeraldGap>(items[0]);
        Assert.Equal(1, gap.LastEventId);
        Assert.Equal(first, gap.First);
        SequenceAssert.Contiguous(recorder.EventIds, first, 50, "events after the gap");
    }

    [Fact]
    public async Task Subscribe_StoreReplacedWhileConnected_SendsItsEpochAndYieldsResetThenEveryEventOfTheNewStore()
    {
        // Arrange: a memory store behind a proxy, so the replacement answers at the same address.
        HeraldHost old = await HeraldHost.StartAsync();
        await using LoopbackProxy proxy = new(old.BaseAddress);
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-reset", lastEventId: 0);
        for (int i = 1; i <= 5; i++)
        {
            await old.Client.PublishAsync("c-reset", $"old{i}");
        }

        await recorder.WaitForEventAsync(5);

        // Act: the store is replaced (a memory store restarts empty, with a new epoch) and gets more events than the
        // client had seen, so only the epoch learned from hello can tell the server that position 5 means nothing here.
        await old.DisposeAsync();
        await using HeraldHost replacement = await HeraldHost.StartAsync();
        for (int i = 1; i <= 7; i++)
        {
            await replacement.Client.PublishAsync("c-reset", $"new{i}");
        }

        proxy.Target = replacement.BaseAddress;
        await recorder.WaitForAsync(items => items.OfType<HeraldEvent>().Any(e => e.Data == "new7"), "new7 after the reset");

        // Assert: old 1..5, then reset with the new epoch, then the new store's 1..7 even though 1..5 are not above 5.
        IReadOnlyList<HeraldItem> items = recorder.Items;
        Assert.Equal(["old1", "old2", "old3", "old4", "old5"], items.Take(5).Cast<HeraldEvent>().Select(e => e.Data));
        HeraldReset reset = Assert.IsType<HeraldReset>(items[5]);
        Assert.Equal(5, reset.LastEventId);
        Assert.Equal(7, reset.Last);
        Assert.Equal(replacement.Epoch, reset.Epoch);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => ((long)i, $"new{i}")), items.Skip(6).Cast<HeraldEvent>().Select(e => (e.Id, e.Data)));
    }

    [Fact]
    public async Task Subscribe_ReconnectReplaysWhatWasDelivered_YieldsEachIdOnceInOrder()
    {
        // An intermediary that loses the position makes the server replay everything on each reconnect: the client must drop the repeats.
        await using LoopbackProxy proxy = new(Host.BaseAddress);
        await using HeraldClient client = new(Clients.Options(proxy.BaseAddress) with { HttpMessageHandler = new ForgetPositionHandler() });
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-dedupe", lastEventId: 0);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 5; i++)
            {
                await Host.Client.PublishAsync("c-dedupe", $"r{round}-{i}");
            }

            await recorder.WaitForEventAsync((round + 1) * 5);
            proxy.CutAll();
        }

        await Host.Client.PublishAsync("c-dedupe", "last");
        await recorder.WaitForEventAsync(16);

        Assert.True(proxy.Connections >= 4, $"the client must have reconnected after each cut; {proxy.Connections} connections");
        SequenceAssert.Contiguous(recorder.EventIds, 1, 16, "events across reconnects that replay from 0");
    }

    [Fact]
    public async Task Subscribe_CutAfterAnIdLineMidFrame_ResumesFromTheLastEventYieldedAndSkipsNothing()
    {
        // SseParser.LastEventId moves to 3 as soon as "id: 3" is parsed; the frame never completes, so 3 was not yielded.
        for (int i = 1; i <= 5; i++)
        {
            await Host.Client.PublishAsync("c-midframe", $"e{i}");
        }

        await using LoopbackProxy proxy = new(Host.BaseAddress);
        proxy.CutAfter("id: 3\n");
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-midframe", lastEventId: 0);
        await recorder.WaitForEventAsync(5);

        Assert.True(proxy.Connections >= 2, $"the first connection was cut mid-frame, so the client must have reconnected; {proxy.Connections} connections");
        SequenceAssert.Contiguous(recorder.EventIds, 1, 5, "events across a cut between id: 3 and its data");
    }

    [Fact]
    public async Task Subscribe_FirstBaseUrlDead_FailsOverToTheSecond()
    {
        await Host.Client.PublishAsync("c-failover", "one");
        await using HeraldClient client = Clients.Create(Clients.DeadAddress(), Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-failover", lastEventId: 0);
        await recorder.WaitForEventAsync(1);

        Assert.Equal(2, await client.PublishAsync("c-failover", "two"));
        await recorder.WaitForEventAsync(2);
        Assert.Equal([1L, 2L], recorder.EventIds);
    }

    [Fact]
    public async Task Subscribe_InvalidStreamName_ThrowsHeraldExceptionWithProblemDetail()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);

        HeraldException ex = await Assert.ThrowsAsync<HeraldException>(async () =>
        {
            await foreach (HeraldItem item in client.SubscribeAsync(".hidden", 0))
            {
                Assert.Fail($"no item expected, got {item}");
            }
        });

        Assert.Equal(400, ex.StatusCode);
        Assert.False(string.IsNullOrEmpty(ex.Title), "the problem's title");
        Assert.False(string.IsNullOrEmpty(ex.Detail), "the problem's detail");
        Assert.Contains(ex.Detail!, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_CancelledWhileConnected_ThrowsOperationCanceled()
    {
        await Host.Client.PublishAsync("c-cancel", "one");
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "c-cancel", lastEventId: 0);
        await recorder.WaitForEventAsync(1);

        Exception? error = await recorder.CancelAsync();

        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Fact]
    public async Task Subscribe_CancelledWhileReconnecting_ThrowsOperationCanceled()
    {
        // On a fake clock the wait between attempts never ends by itself: once its timer is armed, the client is
        // reconnecting and stays so until the cancel (cancelling at once could hit the first connect instead).
        ArmCountingTimeProvider time = new();
        await using HeraldClient client = new(Clients.Options(Clients.DeadAddress()) with { TimeProvider = time });
        using CancellationTokenSource cancel = new();
        IAsyncEnumerator<HeraldItem> items = client.SubscribeAsync("c-cancel-dead", 0, cancel.Token).GetAsyncEnumerator();
        ValueTask<bool> next = items.MoveNextAsync();
        await Polling.WaitUntilAsync(() => time.Arms >= 1, "the client to wait before its next attempt", TestTimeouts.Frame);
        Assert.False(next.IsCompleted);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next.AsTask().WaitAsync(TestTimeouts.Frame));
        await items.DisposeAsync();
    }

    internal static Task WaitForSubscriberAsync(HttpClient http, string stream) =>
        Polling.WaitUntilAsync(async () => (await http.GetInfoAsync(stream)).Subscribers >= 1, $"a subscriber on {stream}", TestTimeouts.Frame);

    /// <summary>Rewrites every subscribe to <c>Last-Event-ID: 0</c>, as an intermediary that drops the header and replays would.</summary>
    private sealed class ForgetPositionHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Get && request.Headers.Remove("Last-Event-ID"))
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", "0");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
