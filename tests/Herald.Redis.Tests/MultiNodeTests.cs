using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Herald.Testing.Infrastructure;

namespace Herald.Redis.Tests;

/// <summary>Real server processes and redis-server, one test at a time: they compete for the same two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeCollection
{
    public const string Name = "Herald nodes on one Redis";
}

/// <summary>
/// Issue 3, "What the tests must show": two Herald server processes sharing one real redis-server. Each test starts its
/// own Redis (fresh directory, AOF, fsync always) and its own nodes.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class MultiNodeTests
{
    [Fact]
    public async Task TwoNodes_EightPublishersOverBoth_GiveIdsOneToNOnceAndSubscriberOnASeesBInOrder()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess a = await StartNodeAsync(redis);
        await using ServerProcess b = await StartNodeAsync(redis);
        await using SseClient onA = await SseClient.ConnectAsync(a.Client, "/streams/shared", lastEventId: "0");
        const int Publishers = 8;
        const int PerPublisher = 50;

        ConcurrentBag<(long Id, string Data)> acknowledged = [];
        await Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            ServerProcess node = p % 2 == 0 ? a : b;
            for (int n = 0; n < PerPublisher; n++)
            {
                string data = $"p{p}-{n}";
                acknowledged.Add((await node.Client.PublishAsync("shared", data), data));
            }
        }))).WaitAsync(TestTimeouts.Bulk);

        const int Total = Publishers * PerPublisher;
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), acknowledged.Select(x => x.Id).Order());
        await onA.WaitForIdAsync(Total, TestTimeouts.Bulk);
        IReadOnlyList<SseEvent> received = onA.IdentifiedEvents;
        SequenceAssert.Contiguous([.. received.Select(e => e.NumericId)], 1, Total, "subscriber on node A");
        Dictionary<long, string> byId = acknowledged.ToDictionary(x => x.Id, x => x.Data);
        Assert.All(received, e => Assert.Equal(byId[e.NumericId], e.Data));
        Assert.Contains(received, e => e.Data.StartsWith("p1-", StringComparison.Ordinal)); // published on node B
    }

    [Fact]
    public async Task NodeKilledMidStream_ClientResumesOnOtherNodeWithLastEventId_GetsExactlyTheRest()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        ServerProcess a = await StartNodeAsync(redis);
        await using ServerProcess b = await StartNodeAsync(redis);
        const int Total = 300;

        List<SseEvent> seen = [];
        await using (a)
        {
            await using SseClient onA = await SseClient.ConnectAsync(a.Client, "/streams/failover", lastEventId: "0");
            for (int i = 1; i <= 100; i++)
            {
                Assert.Equal(i, await b.Client.PublishAsync("failover", $"e{i}"));
            }

            await onA.WaitForIdAsync(60);
            a.Kill();
            await onA.WaitForEndAsync(TestTimeouts.ProcessExit);
            seen.AddRange(onA.IdentifiedEvents);
        }

        for (int i = 101; i <= Total; i++)
        {
            Assert.Equal(i, await b.Client.PublishAsync("failover", $"e{i}"));
        }

        long last = seen[^1].NumericId;
        await using SseClient onB = await SseClient.ConnectAsync(b.Client, "/streams/failover", lastEventId: last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await onB.WaitForIdAsync(Total, TestTimeouts.Bulk);
        seen.AddRange(onB.IdentifiedEvents);

        SequenceAssert.Contiguous([.. seen.Select(e => e.NumericId)], 1, Total, "client that moved from node A to node B");
        Assert.All(seen, e => Assert.Equal($"e{e.Id}", e.Data));
    }

    [Fact]
    public async Task RedisRestartedOnSameAof_DuringPublishLoop_IdsContinueAndNoAcknowledgedEventIsLost()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess a = await StartNodeAsync(redis);
        await using ServerProcess b = await StartNodeAsync(redis);
        ConcurrentDictionary<long, string> acknowledged = new();
        int afterRestart = 0;
        bool restarted = false;
        using CancellationTokenSource stop = new();

        Task[] publishers = [.. Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            ServerProcess node = p % 2 == 0 ? a : b;
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                string data = $"p{p}-{n}";
                (HttpStatusCode status, long id, string body) = await TryPublishAsync(node, "restart", data);
                if (status == HttpStatusCode.Created)
                {
                    Assert.True(acknowledged.TryAdd(id, data), $"id {id} was given twice");
                    if (Volatile.Read(ref restarted) && Interlocked.Increment(ref afterRestart) >= 100)
                    {
                        await stop.CancelAsync();
                    }
                }
                else
                {
                    Assert.True(status == HttpStatusCode.ServiceUnavailable, $"a publish during the restart must get 201 or 503, got {(int)status}: {body}\nNode output:\n{node.Output}");
                    await Task.Yield();
                }
            }
        }))];

        await Polling.WaitUntilAsync(() => acknowledged.Count >= 100, "100 publishes before the restart");
        await redis.ShutdownAsync();
        await redis.StartAgainAsync();
        Volatile.Write(ref restarted, true);
        await Task.WhenAll(publishers).WaitAsync(TestTimeouts.Bulk);

        // Every post-restart publish may have gone through node B while node A was still reconnecting: wait until A is
        // ready again (it reconnects by itself) before reading the log through it.
        await Polling.WaitUntilAsync(async () => (await a.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "node A to be ready again");
        List<ReadEvent> stored = await a.Client.ReadAllAsync("restart");
        long max = acknowledged.Keys.Max();

        // An append whose answer was lost with the connection (503) may be in the log too, so the log may go beyond max.
        SequenceAssert.Contiguous([.. stored.Select(e => e.Id).Where(id => id <= max)], 1, max, "the log after the restart");
        Assert.All(acknowledged, pair => Assert.Equal(pair.Value, stored[(int)pair.Key - 1].Data));
    }

    [Fact]
    public async Task RedisFlushed_NextIdStaysAboveEverySeenIdAndSubscriberAheadGetsReset()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess a = await StartNodeAsync(redis);
        await using ServerProcess b = await StartNodeAsync(redis);
        await using SseClient onB = await SseClient.ConnectAsync(b.Client, "/streams/wiped", lastEventId: "0");
        for (int i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await a.Client.PublishAsync("wiped", $"e{i}"));
        }

        await onB.WaitForIdAsync(5);
        string epoch = (await b.Client.GetInfoAsync("wiped")).Epoch;

        Assert.StartsWith("+OK", await redis.CommandAsync("FLUSHALL", CancellationToken.None), StringComparison.Ordinal);
        await using SseClient ahead = await SseClient.ConnectAsync(a.Client, "/streams/wiped", lastEventId: "5");
        SseEvent reset = await ahead.WaitForTypeAsync("reset");
        long next = await b.Client.PublishAsync("wiped", "after-flush");

        Assert.Contains("\"lastEventId\":5", reset.Data, StringComparison.Ordinal);
        Assert.True(next > 5, $"after FLUSHALL the next id must stay above 5, the highest any node saw; got {next}");
        Assert.NotEqual(epoch, (await b.Client.GetInfoAsync("wiped")).Epoch);
        string metrics = await b.Client.GetStringAsync("/metrics");
        Assert.Contains("herald_sequence_regressions_total 1", metrics, StringComparison.Ordinal);
        SseEvent live = await onB.WaitForIdAsync(next);
        Assert.Equal("after-flush", live.Data);
    }

    [Fact]
    public async Task RedisStopped_SubscribersStayConnectedPublishGets503AndLaterEventsArriveInOrder()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess a = await StartNodeAsync(redis);
        await using ServerProcess b = await StartNodeAsync(redis);
        await using SseClient onA = await SseClient.ConnectAsync(a.Client, "/streams/outage", lastEventId: "0");
        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(i, await b.Client.PublishAsync("outage", $"e{i}"));
        }

        await onA.WaitForIdAsync(3);
        await redis.ShutdownAsync();

        (HttpStatusCode during, _, _) = await TryPublishAsync(b, "outage", "refused");
        int before = onA.RawText.Length;
        await onA.WaitForRawAsync(text => text.Length > before && text[before..].Contains(":\n", StringComparison.Ordinal), TestTimeouts.Frame, "a heartbeat while Redis is down");
        await redis.StartAgainAsync();
        long id = 0;
        await Polling.WaitUntilAsync(async () => (await TryPublishAsync(b, "outage", "e4")).Status == HttpStatusCode.Created, "a publish to succeed after Redis returned");
        for (int i = 5; i <= 10; i++)
        {
            id = await b.Client.PublishAsync("outage", $"e{i}");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during);
        Assert.Equal(10, id);
        await onA.WaitForIdAsync(10);
        Assert.Null(onA.Error);
        IReadOnlyList<SseEvent> received = onA.IdentifiedEvents;
        SequenceAssert.Contiguous([.. received.Select(e => e.NumericId)], 1, 10, "subscriber across the Redis outage");
        Assert.All(received, e => Assert.Equal($"e{e.Id}", e.Data));
    }

    private static Task<ServerProcess> StartNodeAsync(RedisServer redis) =>
        ServerProcess.StartAsync("--store", redis.Uri, "--heartbeat", "1");

    private static async Task<(HttpStatusCode Status, long Id, string Body)> TryPublishAsync(ServerProcess node, string stream, string data)
    {
        using HttpResponseMessage response = await node.Client.PostAsync("/streams/" + stream, Encoding.UTF8.GetBytes(data));
        string text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            return (response.StatusCode, 0, text);
        }

        using System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.GetProperty("id").GetInt64(), text);
    }
}
