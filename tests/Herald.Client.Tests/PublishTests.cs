using Herald.Client.Tests.Infrastructure;
using Herald.Server;
using Herald.Testing.Infrastructure;

namespace Herald.Client.Tests;

/// <summary><see cref="HeraldClient.PublishAsync"/> and <see cref="HeraldClient.PublishBatchAsync"/> against the real server in process.</summary>
public sealed class PublishTests(MemoryHostFixture fixture) : IClassFixture<MemoryHostFixture>
{
    private HeraldHost Host => fixture.Host;

    [Fact]
    public async Task Publish_Event_ReturnsItsIdAndStoresTypeAndData()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);

        Assert.Equal(1, await client.PublishAsync("p-one", "{\"a\":1}", "thing.created"));
        Assert.Equal(2, await client.PublishAsync("p-one", "plain"));

        (IReadOnlyList<ReadEvent> events, _) = await Host.Client.GetEventsAsync("p-one");
        Assert.Equal([new ReadEvent(1, "thing.created", "{\"a\":1}"), new ReadEvent(2, null, "plain")], events);
    }

    [Fact]
    public async Task PublishBatch_Events_ReturnsContiguousIdsAndStoresThemInOrder()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        await client.PublishAsync("p-batch", "zero");

        (long first, long last) = await client.PublishBatchAsync("p-batch", [("a", null), ("b\nc", "typed"), ("{\"x\":1}", null)]);

        Assert.Equal((2L, 4L), (first, last));
        (IReadOnlyList<ReadEvent> events, _) = await Host.Client.GetEventsAsync("p-batch", "?after=1");
        Assert.Equal([new ReadEvent(2, null, "a"), new ReadEvent(3, "typed", "b\nc"), new ReadEvent(4, null, "{\"x\":1}")], events);
    }

    [Fact]
    public async Task Publish_SameIdempotencyKeyTwice_AppendsOnceAndReturnsTheOriginalIds()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);

        long id = await client.PublishAsync("p-key", "once", idempotencyKey: "order-42");
        long again = await client.PublishAsync("p-key", "once", idempotencyKey: "order-42");
        (long First, long Last) batch = await client.PublishBatchAsync("p-key", [("x", null), ("y", null)], "batch-7");
        (long First, long Last) batchAgain = await client.PublishBatchAsync("p-key", [("x", null), ("y", null)], "batch-7");

        Assert.Equal(id, again);
        Assert.Equal(batch, batchAgain);
        Assert.Equal(3, (await Host.Client.GetInfoAsync("p-key")).Last);
    }

    [Fact]
    public async Task Publish_ResponseLost_RetriesWithTheSameKeyAndAppendsOnce()
    {
        await using LoopbackProxy proxy = new(Host.BaseAddress);
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        proxy.DropNextResponses(1);

        long id = await client.PublishAsync("p-lost", "exactly once");

        Assert.True(proxy.Connections >= 2, $"the first answer was dropped, so the publish must have been sent again; {proxy.Connections} connections");
        Assert.Equal(1, id);
        (IReadOnlyList<ReadEvent> events, long last) = await Host.Client.GetEventsAsync("p-lost");
        Assert.Equal(1, last);
        Assert.Equal("exactly once", Assert.Single(events).Data);
    }

    [Fact]
    public async Task PublishBatch_ResponseLost_RetriesWithTheSameKeyAndAppendsOnce()
    {
        await using LoopbackProxy proxy = new(Host.BaseAddress);
        await using HeraldClient client = Clients.Create(proxy.BaseAddress);
        proxy.DropNextResponses(1);

        (long first, long last) = await client.PublishBatchAsync("p-lost-batch", [("a", null), ("b", null), ("c", null)]);

        Assert.True(proxy.Connections >= 2, $"the batch must have been sent again; {proxy.Connections} connections");
        Assert.Equal((1L, 3L), (first, last));
        Assert.Equal(3, (await Host.Client.GetInfoAsync("p-lost-batch")).Last);
    }

    [Fact]
    public async Task Publish_FirstBaseUrlDead_FailsOverToTheSecond()
    {
        await using HeraldClient client = Clients.Create(Clients.DeadAddress(), Host.BaseAddress);

        Assert.Equal(1, await client.PublishAsync("p-failover", "via the second"));
        Assert.Equal(1, (await Host.Client.GetInfoAsync("p-failover")).Last);
    }

    [Fact]
    public async Task Publish_InvalidEventType_ThrowsHeraldExceptionWithProblemDetail()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);

        HeraldException ex = await Assert.ThrowsAsync<HeraldException>(() => client.PublishAsync("p-bad", "data", "has space"));

        Assert.Equal(400, ex.StatusCode);
        Assert.False(string.IsNullOrEmpty(ex.Detail), "the problem's detail");
        Assert.Equal(0, (await Host.Client.GetInfoAsync("p-bad")).Last);
    }

    [Fact]
    public async Task PublishBatch_InvalidLine_ThrowsHeraldExceptionAndAppendsNothing()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);

        HeraldException ex = await Assert.ThrowsAsync<HeraldException>(() => client.PublishBatchAsync("p-bad-batch", [("ok", null), ("bad", "no spaces allowed")]));

        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(0, (await Host.Client.GetInfoAsync("p-bad-batch")).Last);
    }

    [Fact]
    public async Task Publish_PublisherKeys_SendsTheKeyAsBearerAndAWrongKeyIs401()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { PublisherKeys = { "right-publisher-key-0001" } } });
        await using HeraldClient right = new(Clients.Options(host.BaseAddress) with { PublisherKey = "right-publisher-key-0001" });
        await using HeraldClient wrong = new(Clients.Options(host.BaseAddress) with { PublisherKey = "wrong-publisher-key-0002" });

        Assert.Equal(1, await right.PublishAsync("p-auth", "allowed"));
        HeraldException ex = await Assert.ThrowsAsync<HeraldException>(() => wrong.PublishAsync("p-auth", "refused"));

        Assert.Equal(401, ex.StatusCode);
        Assert.Equal(1, (await host.Client.GetInfoAsync("p-auth")).Last);
    }

    [Fact]
    public async Task Publish_NoServerAnswers_ThrowsHeraldExceptionAfterMaxAttempts()
    {
        await using HeraldClient client = new(Clients.Options(Clients.DeadAddress()) with { MaxPublishAttempts = 3 });

        HeraldException ex = await Assert.ThrowsAsync<HeraldException>(() => client.PublishAsync("p-down", "nowhere"));

        Assert.Null(ex.StatusCode);
        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Contains("3 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_Cancelled_ThrowsOperationCanceled()
    {
        await using HeraldClient client = Clients.Create(Host.BaseAddress);
        using CancellationTokenSource cancel = new();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PublishAsync("p-cancel", "never", cancellationToken: cancel.Token));
    }
}
