using Herald.Testing.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Server.Tests;

/// <summary>A non-parallel collection: the test measures this process's managed heap, which other tests would disturb.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurementCollection
{
    public const string Name = "Measures the process's managed heap";
}

/// <summary>
/// Issue 11: per-stream state is bounded, so a server that has seen very many stream names does not keep them all. A real
/// Kestrel server on loopback with a real SQLite file, in this process so that the heap can be measured after a full GC.
/// </summary>
[Collection(HeapMeasurementCollection.Name)]
public sealed class ManyStreamsMemoryTests(ITestOutputHelper output)
{
    private const int Streams = 100_000;
    private const long MaxGrowthBytes = 8 * 1024 * 1024;

    [Fact]
    public async Task PublishesToAHundredThousandDistinctStreams_LeaveTheManagedHeapWithinEightMiBOfWhereItStarted()
    {
        using TempDirectory dir = new();
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Store = StoreLocation.Parse("sqlite:" + dir.File("herald.db")), SqliteSynchronousFull = false });
        Assert.Equal(1, await host.Client.PublishAsync("warm-up", "x"));
        long before = GC.GetTotalMemory(forceFullCollection: true);

        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i <= Streams; i = Interlocked.Increment(ref next))
            {
                Assert.Equal(1, await host.Client.PublishAsync($"user-{i}", "x"));
            }
        }))).WaitAsync(TestTimeouts.Bulk * 3);

        long after = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"managed heap {before / 1024} KiB before, {after / 1024} KiB after {Streams} streams");
        Assert.True(after - before < MaxGrowthBytes, $"the heap grew by {(after - before) / 1024} KiB after publishing to {Streams} streams");
    }
}
