using System.Net;
using Herald.Client.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Client.Tests;

/// <summary>
/// Connections that go silent and servers that say when to come back: the client reconnects after its idle timeout, and
/// waits at least the server's <c>Retry-After</c> before trying again.
/// </summary>
public sealed class ServerSaidWhenTests
{
    [Fact]
    public async Task Subscribe_ConnectionGoesSilentWithoutClosing_ReconnectsAfterTheIdleTimeoutAndResumes()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(); // heartbeat 15 s of real time: nothing arrives on the stalled stream
        await using LoopbackProxy proxy = new(host.BaseAddress);
        ArmCountingTimeProvider time = new();
        TimeSpan idle = TimeSpan.FromSeconds(45);
        await using HeraldClient client = new(Clients.Options(proxy.BaseAddress) with { IdleTimeout = idle, TimeProvider = time });
        await host.Client.PublishAsync("i-silent", "one");
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "i-silent", lastEventId: 0);
        await recorder.WaitForEventAsync(1);

        proxy.StallOpenConnections();
        await host.Client.PublishAsync("i-silent", "two");
        // Only the (fake) clock can end the stalled read. It moves on only while the client is still on the first
        // connection, which also runs out the reconnect delay; the second connection's timer is never driven.
        await Polling.WaitUntilAsync(() =>
        {
            if (proxy.Connections > 1)
            {
                return true;
            }

            time.Advance(idle);
            return false;
        }, "the client to give up the silent connection and reconnect");
        await recorder.WaitForEventAsync(2, TestTimeouts.Frame);

        Assert.Equal([1L, 2L], recorder.EventIds);
        Assert.Equal(2, proxy.Connections);
    }

    [Fact]
    public async Task Subscribe_QuietStreamWithHeartbeats_KeepsItsConnectionPastTheIdleTimeout()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => b.Services.Configure<HeraldOptions>(o => o.Heartbeat = TimeSpan.FromMilliseconds(100)));
        await using LoopbackProxy proxy = new(host.BaseAddress);
        ArmCountingTimeProvider time = new();
        TimeSpan idle = TimeSpan.FromSeconds(2);
        await using HeraldClient client = new(Clients.Options(proxy.BaseAddress) with { IdleTimeout = idle, TimeProvider = time });
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "i-heartbeats", lastEventId: 0);
        await SubscribeTests.WaitForSubscriberAsync(host.Client, "i-heartbeats");

        // Ten idle timeouts pass on the client's clock with no event. Each step waits for the client to start a new read
        // (it re-arms its idle timer, so the previous read returned a heartbeat), then moves the clock 3/4 of the
        // timeout: only heartbeats stand between the connection and the timeout, and the real time taken is irrelevant.
        for (int step = 0; step < 14; step++)
        {
            int arms = time.Arms;
            await Polling.WaitUntilAsync(() => time.Arms > arms, "a heartbeat to reach the client", TestTimeouts.Frame);
            time.Advance(idle * 0.75);
        }

        await host.Client.PublishAsync("i-heartbeats", "late");
        await recorder.WaitForEventAsync(1, TestTimeouts.Frame);

        Assert.Equal(1, proxy.Connections);
        Assert.Null(recorder.Error);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task Publish_RefusedWithRetryAfter_WaitsAtLeastThatLongBeforeTheRetry(HttpStatusCode status)
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => RefuseFirst(b, 1, status));
        RecordingTimeProvider time = new();
        await using HeraldClient client = new(Clients.Options(host.BaseAddress) with
        {
            TimeProvider = time,
            MinReconnectDelay = TimeSpan.FromMilliseconds(1),
            MaxReconnectDelay = TimeSpan.FromSeconds(5),
        });

        long id = await client.PublishAsync("r-publish", "after the refusal");

        Assert.Equal(1, id);
        Assert.Equal([TimeSpan.FromSeconds(1)], time.Delays);
    }

    [Fact]
    public async Task Subscribe_RefusedWithRetryAfter_WaitsAtLeastThatLongThenSubscribes()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => RefuseFirst(b, 1, HttpStatusCode.ServiceUnavailable));
        RecordingTimeProvider time = new();
        await using HeraldClient client = new(Clients.Options(host.BaseAddress) with
        {
            TimeProvider = time,
            MinReconnectDelay = TimeSpan.FromMilliseconds(1),
            MaxReconnectDelay = TimeSpan.FromSeconds(5),
        });
        await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "r-subscribe", lastEventId: 0);
        await SubscribeTests.WaitForSubscriberAsync(host.Client, "r-subscribe");
        await host.Client.PublishAsync("r-subscribe", "one");
        await recorder.WaitForEventAsync(1, TestTimeouts.Frame);

        Assert.Equal([TimeSpan.FromSeconds(1)], time.Delays);
    }

    [Fact]
    public async Task Publish_RetryAfterAboveTheMaximum_WaitsTheMaximum()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(configure: b => RefuseFirst(b, 1, HttpStatusCode.ServiceUnavailable, retryAfterSeconds: 3600));
        RecordingTimeProvider time = new();
        await using HeraldClient client = new(Clients.Options(host.BaseAddress) with
        {
            TimeProvider = time,
            MinReconnectDelay = TimeSpan.FromMilliseconds(1),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(300),
        });

        await client.PublishAsync("r-cap", "x");

        Assert.Equal([TimeSpan.FromMilliseconds(300)], time.Delays);
    }

    /// <summary>The first <paramref name="count"/> requests to <c>/streams</c> get <paramref name="status"/> with <c>Retry-After</c>, as an overloaded or restarting server answers.</summary>
    private static void RefuseFirst(WebApplicationBuilder builder, int count, HttpStatusCode status, int retryAfterSeconds = 1)
    {
        int refused = 0;
        builder.Services.AddSingleton<IStartupFilter>(new RefusingStartupFilter(context =>
        {
            // The tests' own info polls pass; the client's publishes and subscribes are refused.
            string path = context.Request.Path.Value ?? string.Empty;
            if (!path.StartsWith("/streams/", StringComparison.Ordinal) || path.EndsWith("/info", StringComparison.Ordinal) || Interlocked.Increment(ref refused) > count)
            {
                return false;
            }

            context.Response.StatusCode = (int)status;
            context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }));
    }

    private sealed class RefusingStartupFilter(Func<HttpContext, bool> refuse) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (!refuse(context))
                {
                    await nextMiddleware(context);
                }
            });
            next(app);
        };
    }
}
