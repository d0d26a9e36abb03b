using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>The replay/live seam (<see cref="ReplayLiveSeam"/>) on the standalone server, on each single-node store.</summary>
public sealed class ReplayLiveSeamTests
{
    [Fact]
    public async Task Subscribe_JoiningDuringConcurrentPublishing_OnTheMemoryStore_ReceivesGapFreeDuplicateFreeOrderedEvents()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        await ReplayLiveSeam.RunAsync(host.Client, host.Client, "seam");
    }

    [Fact]
    public async Task Subscribe_JoiningDuringConcurrentPublishing_OnSqlite_ReceivesGapFreeDuplicateFreeOrderedEvents()
    {
        using TempDirectory directory = new();
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Store = StoreLocation.Parse("sqlite:" + directory.File("seam.db")) });

        await ReplayLiveSeam.RunAsync(host.Client, host.Client, "seam");
    }
}
