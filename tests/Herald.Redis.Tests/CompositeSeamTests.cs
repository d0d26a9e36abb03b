using Herald.Testing.Infrastructure;

namespace Herald.Redis.Tests;

/// <summary>
/// docs/protocol.md "Subscribe to several streams" on the Redis store (<see cref="CompositeSeam"/>): three streams published
/// through two server processes, subscribers joining node A's <c>/subscribe</c> on a connection of their own mid-flight,
/// then resuming on node B with their last composite ID.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class CompositeSeamTests
{
    [Fact]
    public async Task SubscribeMany_PublishedThroughTwoNodesSubscribedOnOneResumedOnTheOther_IsExactPerStream()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess a = await ServerProcess.StartAsync("--store", redis.Uri, "--heartbeat", "1");
        await using ServerProcess b = await ServerProcess.StartAsync("--store", redis.Uri, "--heartbeat", "1");
        using HttpClient subscribe = new() { BaseAddress = a.Client.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };

        await CompositeSeam.RunAsync([a.Client, b.Client], subscribe, b.Client, "seam");
    }
}
