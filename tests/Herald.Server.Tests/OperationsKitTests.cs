using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// The operations metrics (gap and reset frames, replay depth, subscriber lag, store readiness, limit rejections), and
/// the operations kit in deploy/: every herald_* name its dashboard and alerts use exists in a real scrape.
/// </summary>
public sealed partial class OperationsKitTests
{
    [Fact]
    public async Task Metrics_ResetAndReplay_AreCountedWhenSubscriptionsStart()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            await host.Client.PublishAsync("ops", "e" + i);
        }

        await using (SseClient ahead = await SseClient.ConnectAsync(host.Client, "/streams/ops", lastEventId: "99"))
        {
            await ahead.WaitForTypeAsync("reset");
            await ahead.WaitForIdAsync(5);
        }

        await using (SseClient replay = await SseClient.ConnectAsync(host.Client, "/streams/ops", lastEventId: "2"))
        {
            await replay.WaitForIdAsync(5);
        }

        Dictionary<string, double> metrics = await host.Client.GetMetricsAsync();
        Assert.Equal(1, metrics.Sample("herald_reset_frames_total"));
        Assert.Equal(2, metrics.Sample("herald_replay_depth_events_count"));
        Assert.Equal(5 + 3, metrics.Sample("herald_replay_depth_events_sum")); // reset: all 5 retained; resume after 2: 3
    }

    [Fact]
    public async Task Metrics_SubscriberLag_ShowsAPausedSubscriberBehindAndZeroOnceItCaughtUp()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { Heartbeat = TimeSpan.FromMilliseconds(200) } });
        using HttpClient slowHttp = TestHttp.CreateClient(host.BaseAddress, receiveBufferBytes: 4096);
        await using SseClient slow = await SseClient.ConnectAsync(slowHttp, "/streams/lag");
        await slow.WaitForTypeAsync("hello");
        slow.Pause();

        // ~10 MB of events: far more than the socket buffers hold, so the paused cursor stays behind.
        string padding = new('x', 1000);
        (_, long last) = await host.Client.PublishBatchAsync("lag", Enumerable.Range(1, 10_000).Select(i => i + padding));

        double behind = await WaitForMetricAsync(host, "herald_subscriber_lag_events_max", v => v > 0, "a positive lag for the paused subscriber");
        Assert.True(behind <= last, $"lag {behind} cannot exceed the stream's {last} events");

        slow.Resume();
        await slow.WaitForIdAsync(last, TestTimeouts.Bulk);
        await WaitForMetricAsync(host, "herald_subscriber_lag_events_max", v => v == 0, "lag 0 once the subscriber caught up");
        Assert.True((await host.Client.GetMetricsAsync()).Sample("herald_subscriber_lag_events_count") > 0);
    }

    [Fact]
    public async Task Metrics_StoreReady_IsOneWhenTheStoreAnswers()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        Assert.Equal(1, (await host.Client.GetMetricsAsync()).Sample("herald_store_ready"));
    }

    /// <summary>A renamed metric must fail here, not silently blank a dashboard panel or disarm an alert.</summary>
    [Fact]
    public async Task DeployKit_EveryMetricInDashboardAndAlerts_ExistsInARealScrape()
    {
        string root = RepositoryRoot();
        string dashboard = await File.ReadAllTextAsync(Path.Combine(root, "deploy", "grafana", "herald.json"));
        string alerts = await File.ReadAllTextAsync(Path.Combine(root, "deploy", "prometheus", "alerts.yml"));
        using (JsonDocument.Parse(dashboard))
        {
            // valid JSON, or Grafana refuses the import
        }

        HashSet<string> used = [.. MetricName().Matches(dashboard + "\n" + alerts).Select(m => m.Value)];
        Assert.True(used.Count >= 10, $"expected the kit to use the herald_ metrics, found: {string.Join(", ", used)}");

        HashSet<string> scraped = await ScrapeAfterTrafficAsync();

        string[] missing = [.. used.Where(name => !scraped.Contains(name)).Order(StringComparer.Ordinal)];
        Assert.True(missing.Length == 0, $"used in deploy/ but absent from /metrics: {string.Join(", ", missing)}; scraped: {string.Join(", ", scraped.Order(StringComparer.Ordinal))}");
    }

    /// <summary>Every sample name of a scrape after traffic that touches every labelled counter at least once.</summary>
    private static async Task<HashSet<string>> ScrapeAfterTrafficAsync()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { MaxConnectionsPerIp = 1, PublishRateLimit = 1, PublishBurst = 1 } });
        await host.Client.PublishAsync("kit", "one");
        await using (SseClient subscriber = await SseClient.ConnectAsync(host.Client, "/streams/kit", lastEventId: "0"))
        {
            await subscriber.WaitForIdAsync(1);
            using HttpResponseMessage second = await host.Client.GetAsync("/streams/kit", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode); // herald_connections_rejected_total
            for (int i = 0; i < 5; i++)
            {
                using HttpResponseMessage publish = await host.Client.PostAsync("/streams/kit", "x"u8.ToArray()); // a 429 among these
            }
        }

        string text = await host.Client.GetStringAsync("/metrics");
        HashSet<string> names = new(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length > 0 && line[0] != '#')
            {
                names.Add(MetricName().Match(line).Value);
            }
        }

        return names;
    }

    private static async Task<double> WaitForMetricAsync(HeraldHost host, string name, Func<double, bool> condition, string what)
    {
        using CancellationTokenSource deadline = new(TestTimeouts.Bulk);
        while (true)
        {
            double value = (await host.Client.GetMetricsAsync()).Sample(name);
            if (condition(value))
            {
                return value;
            }

            Assert.False(deadline.IsCancellationRequested, $"{name}: no {what} within {TestTimeouts.Bulk}; last {value}");
            await Task.Delay(100);
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Herald.slnx above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("herald_[a-z_]+[a-z]")]
    private static partial Regex MetricName();
}
