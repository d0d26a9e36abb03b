namespace Herald.Redis.Tests;

/// <summary>
/// A node raises <see cref="IEventLog.Appended"/> for its own appends without waiting for its reader to read them back,
/// and for other nodes' appends from its reader. Whichever path raises an event, each is raised once and in ID order, and
/// a node's own append is raised before its task completes.
/// </summary>
public sealed class AppendedOrderTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int AppendersPerNode = 4;
    private const int AppendsPerAppender = 150;

    [Fact]
    public async Task Appended_OwnAndOtherNodesAppendsInterleaved_RaisedOnceEachInIdOrderAndOwnBeforeTheirTaskCompletes()
    {
        string prefix = $"order-{Guid.NewGuid():N}";
        await using RedisEventLog nodeA = await OpenAsync(prefix);
        await using RedisEventLog nodeB = await OpenAsync(prefix);
        List<long> raised = [];
        long highestRaised = 0;
        nodeA.Appended += (_, e) =>
        {
            lock (raised)
            {
                foreach (StoredEvent stored in e.Events)
                {
                    raised.Add(stored.Id);
                }

                highestRaised = Math.Max(highestRaised, e.Events[^1].Id);
            }
        };
        using IDisposable watch = ((IWatchableEventLog)nodeA).Watch("mixed"); // a subscriber on A keeps its reader running

        // A reader that starts while other nodes append begins near the stream's end (subscribers read older events from
        // the store): settle where A's reader starts with one append of A's own, raised before its task completes.
        await nodeA.AppendAsync("mixed", [new EventData(null, "first"u8.ToArray())], null, CancellationToken.None);

        List<long> ownNotYetRaised = [];
        async Task AppendLoopAsync(RedisEventLog node, bool own)
        {
            for (int i = 0; i < AppendsPerAppender; i++)
            {
                AppendResult result = await node.AppendAsync("mixed", [new EventData(null, "x"u8.ToArray())], null, CancellationToken.None);
                if (own)
                {
                    lock (raised)
                    {
                        if (highestRaised < result.Last)
                        {
                            ownNotYetRaised.Add(result.Last);
                        }
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, AppendersPerNode * 2).Select(i => Task.Run(() => AppendLoopAsync(i % 2 == 0 ? nodeA : nodeB, own: i % 2 == 0))));

        const long total = 1 + (AppendersPerNode * 2 * AppendsPerAppender);
        using CancellationTokenSource deadline = new(TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref highestRaised) < total && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20);
        }

        Assert.Empty(ownNotYetRaised);
        lock (raised)
        {
            Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (long)i), raised);
        }
    }

    private async Task<RedisEventLog> OpenAsync(string prefix) =>
        await RedisEventLog.OpenAsync(new RedisEventLogOptions(redis.Server.Configuration) { KeyPrefix = prefix });
}
