using Herald.Testing.Infrastructure;

namespace Herald.Redis.Tests;

/// <summary>
/// The replay/live seam (<see cref="ReplayLiveSeam"/>) on the Redis store, across two server processes: publishers on
/// node A, subscribers joining node B mid-flight, so B's catch-up reads and its change feed meet at the seam.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ReplayLiveSeamTests
{
    [Fact]
    public async Task Subscribe_OnNodeBJoiningWhileNodeAPublishes_ReceivesGapFreeDuplicateFreeOrderedEvents()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess a = await ServerProcess.StartAsync("--store", redis.Uri, "--heartbeat", "1");
        await using ServerProcess b = await ServerProcess.StartAsync("--store", redis.Uri, "--heartbeat", "1");

        await ReplayLiveSeam.RunAsync(a.Client, b.Client, "seam");
    }
}
