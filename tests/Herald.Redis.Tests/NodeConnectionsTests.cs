using System.Net;
using Herald.Redis.Tests.Topology;
using Herald.Testing.Infrastructure;
using RedisClient = Herald.Redis.Tests.Topology.ClientInfo;

namespace Herald.Redis.Tests;

/// <summary>
/// Issue 10, "a bounded number of Redis connections": the Redis clients a node holds do not grow with the streams it
/// serves. Today's shape of abuse: anonymous subscriptions to made-up names, each opened and closed at once.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class NodeConnectionsTests
{
    private const int Subscriptions = 2000;
    private const int AtOnce = 50;

    [Fact]
    public async Task TwoThousandShortAnonymousSubscriptionsToDistinctStreams_LeaveTheNodesRedisConnectionsAndChannelsWhereTheyStarted()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess node = await ServerProcess.StartAsync("--store", redis.Uri, "--max-connections-per-ip", "0");
        Assert.Equal(1, await node.Client.PublishAsync("warm-up", "x")); // every connection the node opens lazily is open now
        int before = await HeraldClientsAsync(redis);

        int most = before;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                most = Math.Max(most, await HeraldClientsAsync(redis));
                await Task.Delay(200).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });

        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i <= Subscriptions; i = Interlocked.Increment(ref next))
            {
                await using SseClient subscription = await SseClient.ConnectAsync(node.Client, $"/streams/made-up-{i}");
                await subscription.WaitForTypeAsync("hello");
            }
        }))).WaitAsync(TestTimeouts.Bulk * 3);
        await sampling.CancelAsync();
        await sampler;

        // Each stream's change-feed subscription goes with its last subscriber: wait (bounded) for the unsubscribes.
        DateTime deadline = DateTime.UtcNow + TestTimeouts.Bulk;
        string channels;
        while ((channels = await redis.CommandAsync("PUBSUB", "SHARDCHANNELS", "herald:*")) != "[]")
        {
            Assert.True(DateTime.UtcNow < deadline, $"sharded channels still subscribed after every subscriber left: {channels}");
            await Task.Delay(100);
        }

        Assert.InRange(before, 1, 8); // issue 10: at most 8 Redis connections per node
        Assert.Equal(before, most);
        Assert.Equal(before, await HeraldClientsAsync(redis));
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task PublishesToTwoThousandDistinctStreams_OpenNoRedisConnectionAndSubscribeToNoChannel()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess node = await ServerProcess.StartAsync("--store", redis.Uri);
        Assert.Equal(1, await node.Client.PublishAsync("warm-up", "x"));
        int before = await HeraldClientsAsync(redis);

        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i <= Subscriptions; i = Interlocked.Increment(ref next))
            {
                Assert.Equal(1, await node.Client.PublishAsync($"publish-only-{i}", "x"));
            }
        }))).WaitAsync(TestTimeouts.Bulk * 3);

        Assert.Equal(before, await HeraldClientsAsync(redis));
        Assert.Equal("[]", await redis.CommandAsync("PUBSUB", "SHARDCHANNELS", "herald:*"));
    }

    /// <summary>The Herald node's connections: every client but this test's own one-shot connections.</summary>
    private static async Task<int> HeraldClientsAsync(RedisServer redis)
    {
        IReadOnlyList<RedisClient> clients = await redis.ClientListAsync();
        return clients.Count(c => c.Name.StartsWith("herald", StringComparison.Ordinal));
    }
}
