using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Herald.Bench.Run;

/// <summary>Prints a run as a table for people (on the error stream, so it never mixes with data) and one JSON line for scripts.</summary>
internal static class BenchReport
{
    public static void WriteTable(BenchResult r, TextWriter terminal)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(terminal) });
        console.Profile.Width = Math.Max(console.Profile.Width, 100); // redirected output reports 80 columns; keep rows on one line
        Table table = new Table().Title($"herald-bench run {r.Settings.Scenario} → {r.Settings.Server}").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("seconds", F(r.Seconds, 2));
        if (r.Settings.Streams > 1 || r.Settings.Composite)
        {
            Row("streams", $"{r.Settings.Streams} ({r.Settings.StreamPrefix}-n), {(r.Settings.Composite ? "1 /subscribe per subscriber" : "1 connection per stream")}");
            Row("subscribers", r.Settings.Subscribers.ToString(CultureInfo.InvariantCulture));
        }

        Row("subscriber connections", $"{r.Connected} / {r.Settings.Connections}");
        Row("publishers", $"{r.Settings.Publishers} (offered {(r.Settings.Rate > 0 ? F(r.Settings.Rate, 0) + " ev/s" : "flat out")}, {r.Settings.Batch} per request)");
        Row("events acknowledged", r.Publishes.ToString(CultureInfo.InvariantCulture));
        Row("publishes/s", F(r.PublishesPerSecond, 0));
        Row("deliveries", r.Deliveries.ToString(CultureInfo.InvariantCulture));
        Row("deliveries/s", F(r.DeliveriesPerSecond, 0));
        Row($"latency ({r.LatencyKind}) p50 / p99 / p99.9 / max ms", $"{F(r.Latency.P50Ms, 2)} / {F(r.Latency.P99Ms, 2)} / {F(r.Latency.P999Ms, 2)} / {F(r.Latency.MaxMs, 2)}");
        Row("bytes read per delivery", F(r.BytesPerDelivery ?? double.NaN, 0));
        Row("missing / duplicates / out of order", $"{r.Missing} / {r.Duplicates} / {r.OutOfOrder}");
        if (r.Settings.Composite)
        {
            Row("bad composite ids", r.BadIds.ToString(CultureInfo.InvariantCulture));
        }

        Row("lagging or disconnected subscribers", r.Lagging.ToString(CultureInfo.InvariantCulture));
        Row("publish errors", r.PublishErrors.ToString(CultureInfo.InvariantCulture));
        Row("CPU seconds: bench / server", $"{F(r.BenchCpuSeconds ?? double.NaN, 2)} / {F(r.ServerCpuSeconds ?? double.NaN, 2)}");
        if (r.ServerCpuSecondsUnderLoad is double underLoad)
        {
            Row("server CPU seconds publishing and draining", F(underLoad, 2));
            Row("deliveries per server CPU-second", F(r.DeliveriesPerServerCpuSecond ?? double.NaN, 0));
        }

        if (r.FirstEventMs is double firstEvent)
        {
            Row("first event after ms", F(firstEvent, 2));
        }

        if (r.RssBeforeKiB is not null)
        {
            Row("server RSS before / after connecting KiB", $"{r.RssBeforeKiB} / {r.RssAfterKiB}");
            if (r.RssEndKiB is not null)
            {
                Row("server RSS at the end KiB", r.RssEndKiB.Value.ToString(CultureInfo.InvariantCulture));
            }

            Row("server RSS per connection / per subscriber KiB", $"{F(r.RssPerConnectionKiB ?? double.NaN, 2)} / {F(r.RssPerSubscriberKiB ?? double.NaN, 2)}");
            if (r.RssPerStreamKiB is double perStream)
            {
                Row("server RSS per followed stream KiB", F(perStream, 2));
            }
        }

        console.Write(table);
    }

    public static string Json(BenchResult r) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["scenario"] = r.Settings.Scenario,
        ["server"] = r.Settings.Server.ToString(),
        ["subscribers"] = r.Settings.Subscribers,
        ["streams"] = r.Settings.Streams,
        ["composite"] = r.Settings.Composite,
        ["connections"] = r.Settings.Connections,
        ["connected"] = r.Connected,
        ["publishers"] = r.Settings.Publishers,
        ["offeredRate"] = r.Settings.Rate,
        ["batch"] = r.Settings.Batch,
        ["payloadBytes"] = r.Settings.PayloadBytes,
        ["seconds"] = Math.Round(r.Seconds, 3),
        ["publishes"] = r.Publishes,
        ["publishesPerSecond"] = Math.Round(r.PublishesPerSecond),
        ["deliveries"] = r.Deliveries,
        ["deliveriesPerSecond"] = Math.Round(r.DeliveriesPerSecond),
        ["bytesPerDelivery"] = r.BytesPerDelivery is double bytes ? Math.Round(bytes, 1) : null,
        ["eventsPerSecond"] = Math.Round(r.EventsPerSecond),
        ["latency"] = r.LatencyKind,
        ["p50Ms"] = Round(r.Latency.P50Ms),
        ["p99Ms"] = Round(r.Latency.P99Ms),
        ["p999Ms"] = Round(r.Latency.P999Ms),
        ["maxMs"] = Round(r.Latency.MaxMs),
        ["missing"] = r.Missing,
        ["duplicates"] = r.Duplicates,
        ["outOfOrder"] = r.OutOfOrder,
        ["badIds"] = r.BadIds,
        ["lagging"] = r.Lagging,
        ["publishErrors"] = r.PublishErrors,
        ["firstEventMs"] = r.FirstEventMs is double first ? Math.Round(first, 2) : null,
        ["rssBeforeKiB"] = r.RssBeforeKiB,
        ["rssAfterKiB"] = r.RssAfterKiB,
        ["rssEndKiB"] = r.RssEndKiB,
        ["rssPerConnectionKiB"] = r.RssPerConnectionKiB is double perConnection ? Math.Round(perConnection, 2) : null,
        ["rssPerSubscriberKiB"] = r.RssPerSubscriberKiB is double perSubscriber ? Math.Round(perSubscriber, 2) : null,
        ["rssPerStreamKiB"] = r.RssPerStreamKiB is double perStream ? Math.Round(perStream, 2) : null,
        ["benchCpuSeconds"] = r.BenchCpuSeconds,
        ["serverCpuSeconds"] = r.ServerCpuSeconds,
        ["serverCpuSecondsUnderLoad"] = r.ServerCpuSecondsUnderLoad is double underLoad ? Math.Round(underLoad, 2) : null,
        ["deliveriesPerServerCpuSecond"] = r.DeliveriesPerServerCpuSecond is double perCpu ? Math.Round(perCpu) : null,
        ["exact"] = r.Exact,
    });

    private static double? Round(double value) => double.IsNaN(value) ? null : Math.Round(value, 3);

    private static string F(double value, int decimals) => double.IsNaN(value) ? "-" : value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
