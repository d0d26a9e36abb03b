using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Bench.Tests;

public sealed class RunCommandTests(MemoryHostFixture fixture) : IClassFixture<MemoryHostFixture>
{
    private string Server => fixture.Host.BaseAddress.ToString();

    [Fact]
    public async Task A_small_fanout_run_reports_every_event_delivered_exactly_once_in_order()
    {
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--server", Server, "--subscribers", "20", "--publishers", "2", "--rate", "400", "--duration", "2");

        Assert.True(exit == CliExitCodes.Success, stderr);
        JsonElement json = ParseOneLine(stdout);
        Assert.Equal("fanout", json.GetProperty("scenario").GetString());
        Assert.Equal(20, json.GetProperty("connected").GetInt32());
        long publishes = json.GetProperty("publishes").GetInt64();
        Assert.True(publishes > 0);
        Assert.Equal(publishes * 20, json.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, json.GetProperty("missing").GetInt64());
        Assert.Equal(0, json.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, json.GetProperty("outOfOrder").GetInt64());
        Assert.True(json.GetProperty("p99Ms").GetDouble() > 0);
        Assert.Contains("deliveries/s", stderr, StringComparison.Ordinal); // the table goes to the terminal, not into the JSON
    }

    [Fact]
    public async Task A_composite_run_follows_every_stream_on_one_connection_per_subscriber_and_checks_each_stream()
    {
        string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture); // the server runs in this process
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--server", Server, "--streams", "4", "--composite", "--subscribers", "5", "--publishers", "2", "--rate", "400", "--duration", "1", "--server-pid", pid);

        Assert.True(exit == CliExitCodes.Success, stderr);
        JsonElement json = ParseOneLine(stdout);
        Assert.True(json.GetProperty("composite").GetBoolean());
        Assert.Equal(5, json.GetProperty("connections").GetInt32());
        Assert.Equal(5, json.GetProperty("connected").GetInt32());
        long publishes = json.GetProperty("publishes").GetInt64();
        Assert.True(publishes >= 4); // round-robin: every stream had events, so every pair of the cursor moved
        Assert.Equal(publishes * 5, json.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, json.GetProperty("badIds").GetInt64());
        Assert.Equal(0, json.GetProperty("missing").GetInt64() + json.GetProperty("duplicates").GetInt64() + json.GetProperty("outOfOrder").GetInt64());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("rssPerSubscriberKiB").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("serverCpuSecondsUnderLoad").ValueKind);
        Assert.True(json.GetProperty("exact").GetBoolean());
    }

    [Fact]
    public async Task A_run_over_several_streams_without_composite_opens_one_connection_per_stream_per_subscriber()
    {
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--server", Server, "--streams", "4", "--subscribers", "5", "--publishers", "2", "--rate", "400", "--duration", "1");

        Assert.True(exit == CliExitCodes.Success, stderr);
        JsonElement json = ParseOneLine(stdout);
        Assert.False(json.GetProperty("composite").GetBoolean());
        Assert.Equal(20, json.GetProperty("connected").GetInt32());
        long publishes = json.GetProperty("publishes").GetInt64();
        Assert.True(publishes >= 4);
        Assert.Equal(publishes * 5, json.GetProperty("deliveries").GetInt64()); // each event reaches the 5 connections of its stream
        Assert.True(json.GetProperty("exact").GetBoolean());
    }

    [Theory]
    [InlineData("--scenario", "idle", "--composite")]
    [InlineData("--scenario", "catchup", "--streams", "2")]
    [InlineData("--streams", "0")]
    public async Task Streams_and_composite_outside_fanout_or_out_of_range_are_bad_usage(params string[] options)
    {
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync(["run", "--server", Server, .. options]);

        Assert.Equal(CliExitCodes.BadUsage, exit);
        Assert.Equal("", stdout);
        Assert.Contains("--streams", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_publish_run_counts_every_event_of_every_batch()
    {
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--scenario", "publish", "--server", Server, "--publishers", "2", "--batch", "50", "--duration", "1");

        Assert.True(exit == CliExitCodes.Success, stderr);
        JsonElement json = ParseOneLine(stdout);
        Assert.Equal(0, json.GetProperty("publishes").GetInt64() % 50);
        Assert.True(json.GetProperty("publishesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public async Task A_catchup_run_reads_every_retained_event_once()
    {
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--scenario", "catchup", "--server", Server, "--events", "2500");

        Assert.True(exit == CliExitCodes.Success, stderr);
        JsonElement json = ParseOneLine(stdout);
        Assert.Equal(2500, json.GetProperty("deliveries").GetInt64());
        Assert.True(json.GetProperty("exact").GetBoolean());
    }

    [Fact]
    public async Task An_idle_run_reads_the_server_rss_before_and_after()
    {
        // The server runs in this process, so its PID is ours.
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--scenario", "idle", "--server", Server, "--subscribers", "50", "--duration", "0.5", "--server-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(exit == CliExitCodes.Success, stderr);
        JsonElement json = ParseOneLine(stdout);
        Assert.Equal(50, json.GetProperty("connected").GetInt32());
        Assert.True(json.GetProperty("rssBeforeKiB").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("rssPerConnectionKiB").ValueKind);
    }

    [Fact]
    public async Task An_idle_run_with_streams_of_its_own_on_one_connection_reports_rss_per_followed_stream()
    {
        string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--scenario", "idle", "--server", Server, "--subscribers", "4", "--streams", "3", "--composite", "--stream-per-subscriber", "--duration", "0.5", "--server-pid", pid);

        Assert.True(exit == CliExitCodes.Success, stderr);
        JsonElement json = ParseOneLine(stdout);
        Assert.Equal(4, json.GetProperty("connections").GetInt32()); // one GET /subscribe each, not one per stream
        Assert.Equal(4, json.GetProperty("connected").GetInt32()); // the server accepted every subscriber's three streams
        Assert.Equal(0, json.GetProperty("lagging").GetInt64()); // and none was ended while held
        double perConnection = json.GetProperty("rssPerConnectionKiB").GetDouble();
        Assert.Equal(Math.Round(perConnection / 3, 2), json.GetProperty("rssPerStreamKiB").GetDouble(), 0.011);
        Assert.Contains("per followed stream", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_refuses_a_server_that_is_not_on_loopback()
    {
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("run", "--server", "http://192.0.2.1:5080", "--duration", "1");

        Assert.Equal(CliExitCodes.BadUsage, exit);
        Assert.Equal("", stdout);
        Assert.Contains("loopback", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_scenario_is_bad_usage()
    {
        (int exit, _, _) = await BenchRun.RunAsync("run", "--scenario", "nonsense");

        Assert.Equal(CliExitCodes.BadUsage, exit);
    }

    private static JsonElement ParseOneLine(string stdout)
    {
        string line = Assert.Single(BenchRun.Lines(stdout));
        using JsonDocument document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }
}
