using Herald.Testing;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Herald.Redis.Tests.Topology;
using Herald.Testing.Infrastructure;

namespace Herald.Redis.Tests;

/// <summary>
/// Herald on a real 3-primary Redis Cluster (one per class, see <see cref="RedisClusterFixture"/>): streams are spread
/// over the shards by their hash tag, listing pages across the shards, two server processes share the cluster's logs,
/// and the change feed (sharded pub/sub) reaches a watcher from every shard. Each test uses its own key prefix or stream
/// names, so the tests share the cluster without seeing each other's data.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ClusterTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private RedisCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Append_TwentyStreams_LogsLandOnAtLeastTwoShardsAndEachStreamNumbersFromOne()
    {
        string prefix = NewPrefix("spread");
        await using RedisEventLog log = await OpenAsync(prefix);
        string[] streams = [.. Enumerable.Range(0, 20).Select(i => $"orders-{i}")];
        for (int s = 0; s < streams.Length; s++)
        {
            for (int n = 1; n <= CountOf(s); n++)
            {
                Assert.Equal(new AppendResult(n, n, false), await log.AppendAsync(streams[s], [Event($"{streams[s]}/{n}")], null, CancellationToken.None));
            }
        }

        var streamsByPort = new Dictionary<int, List<string>>();
        for (int s = 0; s < streams.Length; s++)
        {
            string stream = streams[s];
            int count = CountOf(s);
            IReadOnlyList<StoredEvent> stored = await log.ReadAsync(stream, 0, 100, CancellationToken.None);
            Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), stored.Select(e => e.Id));
            Assert.All(stored, e => Assert.Equal($"{stream}/{e.Id}", Text(e)));

            // The stream's log and counter are on the node that owns its hash tag's slot, read there directly (no redirect).
            string logKey = $"{prefix}:{{{stream}}}:log";
            RedisServer node = await Cluster.NodeOfKeyAsync(logKey);
            string expected = count.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(expected, await node.CommandAsync("XLEN", logKey));
            Assert.Equal(expected, await node.CommandAsync("GET", $"{prefix}:{{{stream}}}:last"));
            if (!streamsByPort.TryGetValue(node.Port, out List<string>? onNode))
            {
                streamsByPort[node.Port] = onNode = [];
            }

            onNode.Add(stream);
        }

        Assert.True(
            streamsByPort.Count >= 2,
            $"the 20 streams' logs should be spread over the shards; by node: {string.Join("; ", streamsByPort.Select(p => $"{p.Key}: {string.Join(',', p.Value)}"))}");

        static int CountOf(int stream) => 2 + (stream % 4);
    }

    [Fact]
    public async Task ListStreams_StreamsOnEveryShard_PagesInOrdinalOrderListEachStreamOnceWithItsLast()
    {
        string prefix = NewPrefix("list");
        await using RedisEventLog log = await OpenAsync(prefix);
        string[] names =
        [
            "zeta", "Zeta", "alpha", "alpha-2", "alpha.1", "alpha_3", "B", "b", "b0", "B_9", "delta", "Delta-1", "echo",
            "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "0-first", "9.last",
        ];
        var lastByName = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            AppendResult result = await log.AppendAsync(names[i], [.. Enumerable.Range(0, 1 + (i % 3)).Select(n => Event($"{names[i]}/{n}"))], null, CancellationToken.None);
            lastByName[names[i]] = result.Last;
        }

        HashSet<int> ports = [.. await Task.WhenAll(names.Select(name => Cluster.PortOfKeyAsync($"{prefix}:{{{name}}}:log")))];
        Assert.True(ports.Count >= 2, $"the streams should live on several shards, all are on {string.Join(',', ports)}");

        const int PageSize = 4;
        List<StreamSummary> listed = [];
        string? after = null;
        for (int pages = 0; ; pages++)
        {
            Assert.True(pages <= names.Length, "listing did not end: it keeps returning pages");
            IReadOnlyList<StreamSummary> page = await log.ListStreamsAsync(after, PageSize, CancellationToken.None);
            Assert.InRange(page.Count, 0, PageSize);
            if (page.Count == 0)
            {
                break;
            }

            listed.AddRange(page);
            after = page[^1].Name;
        }

        Assert.Equal(names.Order(StringComparer.Ordinal), listed.Select(s => s.Name));
        Assert.All(listed, s => Assert.Equal(new StreamSummary(s.Name, 1, lastByName[s.Name]), s));
    }

    [Fact]
    public async Task TwoServerNodesOnCluster_PublishersOverBoth_GiveIdsOneToNOnceAndSubscriberOnASeesBInOrder()
    {
        const string Stream = "cluster-shared";
        await using ServerProcess a = await StartNodeAsync();
        await using ServerProcess b = await StartNodeAsync();
        await using SseClient onA = await SseClient.ConnectAsync(a.Client, "/streams/" + Stream, lastEventId: "0");
        const int Publishers = 4;
        const int PerPublisher = 50;

        ConcurrentBag<(long Id, string Data)> acknowledged = [];
        await Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            ServerProcess node = p % 2 == 0 ? a : b;
            for (int n = 0; n < PerPublisher; n++)
            {
                string data = $"p{p}-{n}";
                acknowledged.Add((await node.Client.PublishAsync(Stream, data), data));
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

        // The nodes wrote the cluster's shard that owns the stream (Herald.Server's key prefix is "herald").
        string logKey = $"herald:{{{Stream}}}:log";
        Assert.Equal(Total.ToString(CultureInfo.InvariantCulture), await (await Cluster.NodeOfKeyAsync(logKey)).CommandAsync("XLEN", logKey));
    }

    [Fact]
    public async Task ServerNodeOnClusterKilledMidStream_ClientResumesOnOtherNodeWithLastEventId_GetsExactlyTheRest()
    {
        const string Stream = "cluster-failover";
        ServerProcess a = await StartNodeAsync();
        await using ServerProcess b = await StartNodeAsync();
        const int Total = 200;

        List<SseEvent> seen = [];
        await using (a)
        {
            await using SseClient onA = await SseClient.ConnectAsync(a.Client, "/streams/" + Stream, lastEventId: "0");
            for (int i = 1; i <= 80; i++)
            {
                Assert.Equal(i, await b.Client.PublishAsync(Stream, $"e{i}"));
            }

            await onA.WaitForIdAsync(50);
            a.Kill();
            await onA.WaitForEndAsync(TestTimeouts.ProcessExit);
            seen.AddRange(onA.IdentifiedEvents);
        }

        for (int i = 81; i <= Total; i++)
        {
            Assert.Equal(i, await b.Client.PublishAsync(Stream, $"e{i}"));
        }

        long last = seen[^1].NumericId;
        await using SseClient onB = await SseClient.ConnectAsync(b.Client, "/streams/" + Stream, lastEventId: last.ToString(CultureInfo.InvariantCulture));
        await onB.WaitForIdAsync(Total, TestTimeouts.Bulk);
        seen.AddRange(onB.IdentifiedEvents);

        SequenceAssert.Contiguous([.. seen.Select(e => e.NumericId)], 1, Total, "client that moved from node A to node B");
        Assert.All(seen, e => Assert.Equal($"e{e.Id}", e.Data));
    }

    [Fact]
    public async Task Watch_StreamsOnEveryShardAppendedThroughAnotherInstance_ObserverGetsEveryEventOnceInOrder()
    {
        string prefix = NewPrefix("feed");
        await using RedisEventLog watcher = await OpenAsync(prefix);
        await using RedisEventLog appender = await OpenAsync(prefix);

        // One watched stream per shard, so the watcher's sharded subscriptions go to all three primaries.
        var streamByPort = new Dictionary<int, string>();
        for (int i = 0; streamByPort.Count < Cluster.Nodes.Count; i++)
        {
            Assert.True(i < 1000, "no stream name found for some shard");
            string candidate = $"feed-{i}";
            streamByPort.TryAdd(await Cluster.PortOfKeyAsync($"{prefix}:{{{candidate}}}:log"), candidate);
        }

        string[] streams = [.. streamByPort.Values];
        RecordingAppendObserver[] observers = [.. streams.Select(_ => new RecordingAppendObserver())];
        List<IDisposable> watches = [.. streams.Select((stream, i) => watcher.Watch(stream, observers[i]))];
        try
        {
            // A watch that starts while another node appends begins near the stream's end (subscribers read older events
            // from the store): one append each, reported, shows the watch is up; every later append must be reported.
            for (int i = 0; i < streams.Length; i++)
            {
                Assert.Equal(new AppendResult(1, 1, false), await appender.AppendAsync(streams[i], [Event($"{streams[i]}/1")], null, CancellationToken.None));
                await observers[i].WaitForAsync(1);
            }

            // Two appenders per stream, single events and batches of three, all streams at once.
            await Task.WhenAll(streams.SelectMany(stream => Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
            {
                for (int j = 0; j < 60; j++)
                {
                    int count = j % 5 == 0 ? 3 : 1;
                    await appender.AppendAsync(stream, [.. Enumerable.Range(0, count).Select(k => Event($"{stream}/w{w}-{j}-{k}"))], null, CancellationToken.None);
                }
            })))).WaitAsync(TestTimeouts.Bulk);

            for (int i = 0; i < streams.Length; i++)
            {
                long last = (await appender.GetInfoAsync(streams[i], CancellationToken.None)).Last;
                Assert.Equal(1 + (2 * 60) + (2 * 12 * 2), last); // 1 + 120 appends, 24 of them batches of 3
                await observers[i].WaitForAsync(last);
                StoredEvent[] reported = observers[i].Events;
                SequenceAssert.Contiguous([.. reported.Select(e => e.Id)], 1, last, $"observer of {streams[i]}");
                IReadOnlyList<StoredEvent> stored = await appender.ReadAsync(streams[i], 0, 1000, CancellationToken.None);
                Assert.Equal(stored.Select(Text), reported.Select(Text));
                Assert.All(observers[i].Streams, name => Assert.Equal(streams[i], name));
            }
        }
        finally
        {
            watches.ForEach(watch => watch.Dispose());
        }
    }

    private static string NewPrefix(string purpose) => $"{purpose}-{Guid.NewGuid():N}";

    private async Task<RedisEventLog> OpenAsync(string prefix) =>
        await RedisEventLog.OpenAsync(new RedisEventLogOptions(Cluster.Configuration) { KeyPrefix = prefix });

    private Task<ServerProcess> StartNodeAsync() =>
        ServerProcess.StartAsync("--store", Cluster.Uri, "--heartbeat", "1");

    private static EventData Event(string data) => new(null, Encoding.UTF8.GetBytes(data));

    private static string Text(StoredEvent e) => Encoding.UTF8.GetString(e.Data.Span);
}
