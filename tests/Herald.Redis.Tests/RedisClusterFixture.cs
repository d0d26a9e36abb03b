using Herald.Redis.Tests.Topology;

namespace Herald.Redis.Tests;

/// <summary>One real 3-primary Redis Cluster shared by the tests of a class (xunit class fixture); each test uses its own key prefix or stream names.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisCluster? _cluster;

    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync() => _cluster = await RedisCluster.StartAsync(primaries: 3);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
