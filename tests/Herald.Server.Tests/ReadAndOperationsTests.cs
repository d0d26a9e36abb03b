using System.Net;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Read" and "Operations": info and events shapes, health, readiness and the herald_ metrics; run against the
/// standalone server and an app that embeds Herald (the sealed classes at the end).
/// </summary>
public abstract class ReadAndOperationsTests
{
    private readonly HostKind _kind;

    private protected ReadAndOperationsTests(HostKind kind) => _kind = kind;

    [Fact]
    public async Task Info_UnknownStream_HasNullFirstAndZeroLast()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);

        using HttpResponseMessage response = await host.Client.GetAsync("/streams/nobody-here/info");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement root = json.RootElement;
        Assert.Equal(["stream", "epoch", "first", "last", "subscribers"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("nobody-here", root.GetProperty("stream").GetString());
        Assert.Equal(host.Epoch, root.GetProperty("epoch").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("first").ValueKind);
        Assert.Equal(0, root.GetProperty("last").GetInt64());
        Assert.Equal(0, root.GetProperty("subscribers").GetInt32());
    }

    [Fact]
    public async Task Info_AfterPublishesAndSubscriptions_ReportsFirstLastAndOpenSubscribers()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("counted", ["a", "b", "c"]);

        SseClient one = await SseClient.ConnectAsync(host.Client, "/streams/counted");
        await using SseClient two = await SseClient.ConnectAsync(host.Client, "/streams/counted", lastEventId: "0");
        await one.WaitForTypeAsync("hello"); // hello is written after the subscription is counted
        await two.WaitForTypeAsync("hello");

        StreamInfoBody info = await host.Client.GetInfoAsync("counted");
        Assert.Equal(new StreamInfoBody("counted", host.Epoch, 1, 3, 2), info);

        await one.DisposeAsync();
        // The server learns of the disconnect on its own schedule; there is no signal a client could wait on, so poll.
        await EventuallyAsync(async () => (await host.Client.GetInfoAsync("counted")).Subscribers == 1, "subscribers back to 1 after a disconnect");
    }

    [Fact]
    public async Task Events_AfterAndLimit_PageThroughTheLogWithDefaultAndCap()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishBatchAsync("paged", Enumerable.Range(1, 1200).Select(i => $"d{i}"));
        await host.Client.PublishAsync("paged", "{\"typed\":true}", eventType: "kind.x");

        (IReadOnlyList<ReadEvent> byDefault, long last) = await host.Client.GetEventsAsync("paged");
        Assert.Equal(1201, last);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), byDefault.Select(e => e.Id));
        Assert.Equal(new ReadEvent(1, null, "d1"), byDefault[0]);

        (IReadOnlyList<ReadEvent> capped, _) = await host.Client.GetEventsAsync("paged", "?after=100&limit=5000");
        Assert.Equal(Enumerable.Range(101, 1000).Select(i => (long)i), capped.Select(e => e.Id));

        (IReadOnlyList<ReadEvent> tail, _) = await host.Client.GetEventsAsync("paged", "?after=1198&limit=10");
        Assert.Equal([new ReadEvent(1199, null, "d1199"), new ReadEvent(1200, null, "d1200"), new ReadEvent(1201, "kind.x", "{\"typed\":true}")], tail);

        (IReadOnlyList<ReadEvent> none, long lastOfEmpty) = await host.Client.GetEventsAsync("never-published");
        Assert.Empty(none);
        Assert.Equal(0, lastOfEmpty);
    }

    [Fact]
    public async Task Events_ResponseShape_MatchesApi()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(_kind);
        await host.Client.PublishAsync("shape", "x");

        string text = await host.Client.GetStringAsync("/streams/shape/events");

        Assert.Equal("{\"stream\":\"shape\",\"events\":[{\"id\":1,\"event\":null,\"data\":\"x\"}],\"last\":1}", text);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Operations_HealthAndReadiness_Answer200(string path)
    {
        using TempDirectory dir = new();
        await using HeraldHost host = await HeraldHost.StartAsync(_kind, sqlitePath: dir.File("herald.db"));

        using HttpResponseMessage response = await host.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterPublishAndSubscribe_CountersMove()
    {
        // The shortest heartbeat: a heartbeat shows the live cursor went idle after its first store read, so the event
        // published after it reaches the cursor through the hot tail, the path that observes delivery lag.
        await using HeraldHost host = await HeraldHost.StartAsync(_kind, o => o.Heartbeat = TimeSpan.FromMilliseconds(100));
        HttpClient http = host.Client;
        Dictionary<string, double> before = await http.GetMetricsAsync();
        string text = await http.GetStringAsync("/metrics");
        foreach (string name in new[] { "herald_events_published_total", "herald_events_delivered_total", "herald_subscribers", "herald_resumes_total", "herald_idempotent_replays_total", "herald_append_duration_seconds", "herald_delivery_lag_seconds" })
        {
            Assert.Contains($"# TYPE {name} ", text, StringComparison.Ordinal);
        }

        await http.PublishBatchAsync("metered", ["a", "b"]);
        await using SseClient replaying = await SseClient.ConnectAsync(http, "/streams/metered", lastEventId: "0");
        await using SseClient live = await SseClient.ConnectAsync(http, "/streams/metered");
        await replaying.WaitForIdAsync(2);
        await live.WaitForTypeAsync("hello");
        await live.WaitForRawAsync(raw => raw.Contains(":\n\n", StringComparison.Ordinal), timeout: null, "a heartbeat");
        await http.PublishAsync("metered", "c");
        await replaying.WaitForIdAsync(3);
        await live.WaitForIdAsync(3);
        Dictionary<string, double> after = await http.GetMetricsAsync();

        double Delta(string key) => after.Sample(key) - before.Sample(key);
        Assert.Equal(3, Delta("herald_events_published_total"));
        Assert.Equal(2 + 1 + 1, Delta("herald_events_delivered_total"));
        Assert.Equal(2, after.Sample("herald_subscribers"));
        Assert.Equal(1, Delta("herald_resumes_total{outcome=\"exact\"}"));
        Assert.Equal(1, Delta("herald_resumes_total{outcome=\"live\"}"));
        Assert.Equal(2, Delta("herald_append_duration_seconds_count"));
        Assert.True(Delta("herald_delivery_lag_seconds_count") >= 1, "a live delivery must observe its lag");
        Assert.DoesNotContain(after.Keys, k => k.Contains("metered", StringComparison.Ordinal));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + TestTimeouts.Frame;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not true within {TestTimeouts.Frame}: {what}");
            await Task.Delay(20);
        }
    }
}

public sealed class StandaloneReadAndOperationsTests() : ReadAndOperationsTests(HostKind.Standalone);

public sealed class EmbeddedReadAndOperationsTests() : ReadAndOperationsTests(HostKind.Embedded);
