namespace Herald.Redis.Tests;

/// <summary>
/// A node reports its own appends to its watchers without reading them back, and other nodes' appends from its change
/// feed. Whichever path reports an event, each is reported once and in ID order, and a node's own append that follows on
/// from what was reported is reported before its task completes.
/// </summary>
public sealed class AppendedOrderTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int AppendersPerNode = 4;
    private const int AppendsPerAppender = 150;

    [Fact]
    public async Task Watch_OwnAndOtherNodesAppendsInterleaved_ReportedOnceEachInIdOrder()
    {
        string prefix = $"order-{Guid.NewGuid():N}";
        await using RedisEventLog nodeA = await OpenAsync(prefix);
        await using RedisEventLog nodeB = await OpenAsync(prefix);
        List<long> raised = [];
        long highestRaised = 0;
        var observer = new Observer(raised, id => Volatile.Write(ref highestRaised, id));
        using IDisposable watch = nodeA.Watch("mixed", observer);

        // A watch that starts while other nodes append begins near the stream's end (subscribers read older events from
        // the store): settle where A's feed starts with one append of A's own, then wait until it is reported.
        await nodeA.AppendAsync("mixed", [new EventData(null, "first"u8.ToArray())], null, CancellationToken.None);
        using (CancellationTokenSource settle = new(TimeSpan.FromSeconds(30)))
        {
            while (Volatile.Read(ref highestRaised) < 1 && !settle.IsCancellationRequested)
            {
                await Task.Delay(20);
            }
        }

        async Task AppendLoopAsync(RedisEventLog node)
        {
            for (int i = 0; i < AppendsPerAppender; i++)
            {
                await node.AppendAsync("mixed", [new EventData(null, "x"u8.ToArray())], null, CancellationToken.None);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, AppendersPerNode * 2).Select(i => Task.Run(() => AppendLoopAsync(i % 2 == 0 ? nodeA : nodeB))));

        const long total = 1 + (AppendersPerNode * 2 * AppendsPerAppender);
        using CancellationTokenSource deadline = new(TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref highestRaised) < total && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20);
        }

        lock (raised)
        {
            Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (long)i), raised);
        }
    }

    private sealed class Observer(List<long> raised, Action<long> reached) : IAppendObserver
    {
        public void OnAppended(EventsAppendedEventArgs appended)
        {
            lock (raised)
            {
                raised.AddRange(appended.Events.Select(e => e.Id));
                reached(appended.Events[^1].Id);
            }
        }
    }

    private async Task<RedisEventLog> OpenAsync(string prefix) =>
        await RedisEventLog.OpenAsync(new RedisEventLogOptions(redis.Server.Configuration) { KeyPrefix = prefix });
}
