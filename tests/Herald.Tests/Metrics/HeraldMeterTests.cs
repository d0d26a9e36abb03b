using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Metrics;

/// <summary>
/// The library's metrics are the <c>Herald</c> meter (docs/operations.md "Metrics"), read here as an embedding app's
/// exporter reads it: a real host, a real subscribe over HTTP, a publish through <see cref="IEventPublisher"/>.
/// </summary>
public sealed class HeraldMeterTests
{
    [Fact]
    public async Task PublishAndSubscribe_RecordOnTheHostsHeraldMeter()
    {
        await using WebApplication app = BuildApp();
        using MeterRecorder recorded = new(app.Services.GetRequiredService<IMeterFactory>());
        await app.StartAsync();
        using HttpClient http = new() { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        IEventPublisher publisher = app.Services.GetRequiredService<IEventPublisher>();

        using (HttpResponseMessage response = await http.GetAsync("/streams/orders?lastEventId=0", HttpCompletionOption.ResponseHeadersRead))
        {
            using StreamReader body = new(await response.Content.ReadAsStreamAsync());
            await WaitForAsync(() => recorded.Sum("herald.subscribers") == 1, "one open subscription");

            // A heartbeat is written only once the cursor's first store read came back empty, so what is published after
            // it reaches the cursor through the hot tail, the path that records delivery lag; before it, the first read
            // could pick the events up from the store, which records none.
            while (await body.ReadLineAsync() is string line && line != ":")
            {
            }

            await publisher.PublishAsync("orders", "one");
            await publisher.PublishBatchAsync("orders", [new EventToPublish("two"), new EventToPublish("three")]);
            await publisher.PublishAsync("orders", "ignored", idempotencyKey: "k");
            await publisher.PublishAsync("orders", "replayed", idempotencyKey: "k");
            while (await body.ReadLineAsync() is string line && line != "id: 4")
            {
            }

            await WaitForAsync(() => recorded.Sum("herald.events.delivered") == 4, "4 events delivered");
            Assert.Equal(4, recorded.Sum("herald.events.published"));
            Assert.Equal(1, recorded.Sum("herald.idempotent_replays"));
            Assert.Equal(4, recorded.Count("herald.append.duration"));
            Assert.Equal(1, recorded.Sum("herald.resumes{outcome=exact}"));
            Assert.Equal(1, recorded.Count("herald.replay_depth_events"));
            Assert.Equal(0, recorded.Sum("herald.replay_depth_events"));
            Assert.InRange(recorded.Count("herald.delivery.lag"), 1, 4); // one per flush from the hot tail, of its oldest event
            Assert.Equal(1, recorded.Sum("herald.subscribers"));
        }

        await WaitForAsync(() => recorded.Sum("herald.subscribers") == 0, "the subscription closed");
        await WaitForAsync(() => recorded.Observed("herald.store_ready") == 1, "the store reported ready");
        Assert.Equal(0, recorded.Observed("herald.sequence_regressions"));
        Assert.Equal(0, recorded.Observed("herald.subscriber_lag_events_max"));

        using HttpResponseMessage bad = await http.PostAsync("/streams/.bad", new StringContent("x"));
        Assert.Equal(1, recorded.Sum($"herald.rejected_requests{{status={(int)bad.StatusCode}}}"));
        await app.StopAsync();
    }

    [Fact]
    public async Task TwoHostsInOneProcess_NeverShareInstruments()
    {
        await using WebApplication a = BuildApp();
        await using WebApplication b = BuildApp();
        using MeterRecorder recordedA = new(a.Services.GetRequiredService<IMeterFactory>());
        using MeterRecorder recordedB = new(b.Services.GetRequiredService<IMeterFactory>());

        await a.Services.GetRequiredService<IEventPublisher>().PublishAsync("s", "x");

        Assert.Equal(1, recordedA.Sum("herald.events.published"));
        Assert.Equal(0, recordedB.Sum("herald.events.published"));
    }

    private static WebApplication BuildApp()
    {
        // The shortest heartbeat allowed: the first test waits for one to know the subscription went idle.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddHerald(o =>
        {
            o.DeliveryWindow = TimeSpan.Zero;
            o.Heartbeat = TimeSpan.FromMilliseconds(100);
        }).UseInMemory();
        WebApplication app = builder.Build();
        app.MapHerald("/streams");
        return app;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
