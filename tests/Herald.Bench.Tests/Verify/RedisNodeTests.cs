using Herald.Bench.Verify;
using Herald.Testing.Infrastructure;

namespace Herald.Bench.Tests.Verify;

/// <summary>
/// The two redis-server processes of a chaos run with <c>--store redis</c>, failed over back and forth the way the
/// redis-failover fault does it: real processes on loopback, so it needs redis-server on PATH like the chaos runs.
/// </summary>
[Collection(ChaosRunCollection.Name)]
public sealed class RedisNodeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Failover_TwiceOverTheSamePair_RolesAlternateAndTheOldPrimaryFollowsEachTime()
    {
        string redisServer = ServerLaunch.FindOnPath("redis-server") ?? throw new InvalidOperationException("redis-server is not on PATH");
        using TempDirectory directory = new();
        using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(2));
        using RedisNode first = new(redisServer, Directory.CreateDirectory(directory.File("redis-1")).FullName, s_timeout);
        using RedisNode second = new(redisServer, Directory.CreateDirectory(directory.File("redis-2")).FullName, s_timeout);
        await first.StartAsync(primary: null, timeout.Token);
        await second.StartAsync(first, timeout.Token);
        await second.WaitForLinkAsync(up: true, s_timeout, timeout.Token);

        RedisNode primary = first;
        RedisNode replica = second;
        for (int failover = 0; failover < 2; failover++)
        {
            int? killed = primary.Pid;
            await primary.KillAsync(s_timeout);
            await replica.WaitForLinkAsync(up: false, s_timeout, timeout.Token);
            await replica.PromoteAsync(timeout.Token);
            await primary.StartAsync(replica, timeout.Token);
            await primary.WaitForLinkAsync(up: true, s_timeout, timeout.Token);

            Assert.NotEqual(killed, primary.Pid);
            (primary, replica) = (replica, primary);
        }

        // Back where it started: the first process leads again, the second replicates it.
        Assert.Same(first, primary);
        await second.WaitForLinkAsync(up: true, s_timeout, timeout.Token);
    }

    [Fact]
    public async Task WaitForLink_OnAPrimary_NeverUp_TimesOutWithTheReason()
    {
        string redisServer = ServerLaunch.FindOnPath("redis-server") ?? throw new InvalidOperationException("redis-server is not on PATH");
        using TempDirectory directory = new();
        using RedisNode primary = new(redisServer, directory.Path, s_timeout);
        await primary.StartAsync(primary: null, CancellationToken.None);

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => primary.WaitForLinkAsync(up: true, TimeSpan.FromMilliseconds(500), CancellationToken.None));

        Assert.Contains("did not go up", error.Message, StringComparison.Ordinal);
    }
}
