using Herald.Client.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Client.Tests;

/// <summary>How long the client waits before reconnecting: the server's <c>retry:</c> after a working connection, backoff after failures.</summary>
public sealed class ReconnectTimingTests
{
    [Fact]
    public async Task Subscribe_WorkingConnectionLost_WaitsTheServersRetryNotTheBackoff()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => b.Services.Configure<HeraldOptions>(o => o.Retry = TimeSpan.FromMilliseconds(300)));
        await using LoopbackProxy proxy = new(host.BaseAddress);
        RecordingTimeProvider time = new();
        await using HeraldClient client = new(Clients.Options(proxy.BaseAddress) with
        {
            TimeProvider = time,
            MinReconnectDelay = TimeSpan.FromSeconds(20), // a backoff this long would outlast the wait below
            MaxReconnectDelay = TimeSpan.FromSeconds(30),
        });
        await host.Client.PublishAsync("t-retry", "one");
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "t-retry", lastEventId: 0);
        await recorder.WaitForEventAsync(1);

        proxy.CutAll();
        await host.Client.PublishAsync("t-retry", "two");
        await recorder.WaitForEventAsync(2, TestTimeouts.Frame);

        Assert.Equal([TimeSpan.FromMilliseconds(300)], time.Delays);
        Assert.Equal([1L, 2L], recorder.EventIds);
    }

    [Fact]
    public async Task Subscribe_ServersRetryAboveMaximum_WaitsTheMaximum()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => b.Services.Configure<HeraldOptions>(o => o.Retry = TimeSpan.FromMinutes(5)));
        await using LoopbackProxy proxy = new(host.BaseAddress);
        RecordingTimeProvider time = new();
        await using HeraldClient client = new(Clients.Options(proxy.BaseAddress) with { TimeProvider = time, MaxReconnectDelay = TimeSpan.FromMilliseconds(200) });
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "t-cap", lastEventId: 0);

        // An event received proves the connection worked (hello seen): the server counting the subscriber does not, as
        // its hello may still be on the way through the proxy when the cut comes, which is a failed attempt instead.
        await host.Client.PublishAsync("t-cap", "before the cut");
        await recorder.WaitForEventAsync(1, TestTimeouts.Frame);
        proxy.CutAll();
        await host.Client.PublishAsync("t-cap", "after the cut");
        await recorder.WaitForEventAsync(2, TestTimeouts.Frame);

        Assert.Equal([TimeSpan.FromMilliseconds(200)], time.Delays);
    }

    [Fact]
    public async Task Subscribe_ServerUnreachable_BacksOffExponentiallyWithFullJitter()
    {
        RecordingTimeProvider time = new();
        await using HeraldClient client = new(Clients.Options(Clients.DeadAddress()) with
        {
            TimeProvider = time,
            MinReconnectDelay = TimeSpan.FromMilliseconds(40),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(160),
        });
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "t-backoff", lastEventId: 0);

        using (CancellationTokenSource deadline = new(TestTimeouts.Frame))
        {
            while (time.Delays.Count < 5)
            {
                Assert.False(deadline.IsCancellationRequested, $"five waits between attempts expected within {TestTimeouts.Frame}; got {time.Delays.Count}. Error: {recorder.Error}");
                await Task.Delay(10);
            }
        }

        Assert.IsAssignableFrom<OperationCanceledException>(await recorder.CancelAsync());

        double[] ceilings = [40, 80, 160, 160, 160];
        IReadOnlyList<TimeSpan> delays = time.Delays;
        for (int i = 0; i < ceilings.Length; i++)
        {
            Assert.True(delays[i] >= TimeSpan.FromMilliseconds(1) && delays[i].TotalMilliseconds <= ceilings[i], $"wait {i + 1} must be in [1, {ceilings[i]}] ms; waits: {string.Join(", ", delays.Select(d => d.TotalMilliseconds))}");
        }
    }
}
