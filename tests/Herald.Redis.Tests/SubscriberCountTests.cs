using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Redis.Tests;

/// <summary>docs/protocol.md "Read": in Redis mode, <c>subscribers</c> in <c>info</c> and <c>GET /streams</c> counts every node's subscriptions.</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class SubscriberCountTests
{
    [Fact]
    public async Task SubscribersOnTwoNodes_InfoAndListingOnEitherNodeCountAllOfThem_AndForgetThoseThatLeft()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ServerProcess a = await ServerProcess.StartAsync("--store", redis.Uri);
        await using ServerProcess b = await ServerProcess.StartAsync("--store", redis.Uri);
        Assert.Equal(1, await a.Client.PublishAsync("counted", "x"));
        SseClient onA1 = await SseClient.ConnectAsync(a.Client, "/streams/counted");
        SseClient onA2 = await SseClient.ConnectAsync(a.Client, "/streams/counted");
        await using SseClient onB = await SseClient.ConnectAsync(b.Client, "/streams/counted");
        await Task.WhenAll(onA1.WaitForTypeAsync("hello"), onA2.WaitForTypeAsync("hello"), onB.WaitForTypeAsync("hello"));

        foreach (ServerProcess node in (ServerProcess[])[a, b])
        {
            await Polling.WaitUntilAsync(async () => (await node.Client.GetInfoAsync("counted")).Subscribers == 3, "info to count the subscribers of both nodes");
            await Polling.WaitUntilAsync(async () => await ListedSubscribersAsync(node, "counted") == 3, "GET /streams to count the subscribers of both nodes");
        }

        await onA1.DisposeAsync();
        await onA2.DisposeAsync();

        foreach (ServerProcess node in (ServerProcess[])[a, b])
        {
            await Polling.WaitUntilAsync(async () => (await node.Client.GetInfoAsync("counted")).Subscribers == 1, "info to forget node A's subscribers that left");
        }
    }

    [Fact]
    public async Task NodeKilled_ItsSubscribersDropOutOfTheCountWithinItsEntrysLifetime()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        ServerProcess a = await ServerProcess.StartAsync("--store", redis.Uri);
        await using ServerProcess b = await ServerProcess.StartAsync("--store", redis.Uri);
        try
        {
            Assert.Equal(1, await a.Client.PublishAsync("orphan", "x"));
            await using SseClient onA = await SseClient.ConnectAsync(a.Client, "/streams/orphan");
            await onA.WaitForTypeAsync("hello");
            await Polling.WaitUntilAsync(async () => (await b.Client.GetInfoAsync("orphan")).Subscribers == 1, "node B to count node A's subscriber");

            a.Kill(); // no shutdown code runs: node A's entry must expire by itself
            await Polling.WaitUntilAsync(async () => (await b.Client.GetInfoAsync("orphan")).Subscribers == 0, "node B to stop counting the killed node's subscriber");
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    private static async Task<long> ListedSubscribersAsync(ServerProcess node, string stream)
    {
        using JsonDocument page = JsonDocument.Parse(await node.Client.GetStringAsync("/streams"));
        return page.RootElement.GetProperty("streams").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == stream).GetProperty("subscribers").GetInt64();
    }
}
