using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Server.Tests;

/// <summary>
/// Issue 14, "memory returned when streams go idle": herald-server collects and decommits after a wave of departures,
/// never on a drift, because the collection pauses the process.
/// </summary>
public sealed class IdleMemoryTrimTests
{
    [Theory]
    [InlineData(10_000, 0, true)]        // everyone left
    [InlineData(10_000, 5_000, true)]    // half left
    [InlineData(2_000, 1_000, true)]     // the smallest wave: 1,000 gone, half of the peak
    [InlineData(10_000, 5_001, false)]   // more than half still open
    [InlineData(1_999, 1_000, false)]    // 999 gone: not worth a pause
    [InlineData(500, 0, false)]          // a small node emptying
    [InlineData(0, 0, false)]
    public void ShouldTrim_OnlyAfterAThousandLeftAndAtMostHalfThePeakRemains(int peak, int open, bool trim) =>
        Assert.Equal(trim, IdleMemoryTrim.ShouldTrim(peak, open));

    [Fact]
    public async Task TheStandaloneServer_RunsTheTrim()
    {
        await using Microsoft.AspNetCore.Builder.WebApplication app = HeraldServer.Build(new ServerSettings { Store = StoreLocation.Parse("memory:"), Urls = "http://127.0.0.1:0" });

        Assert.Contains(app.Services.GetServices<IHostedService>(), s => s is IdleMemoryTrim);
    }
}
