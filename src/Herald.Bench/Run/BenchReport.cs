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
        Row("subscribers connected", $"{r.Connected} / {r.Settings.Subscribers}");
        Row("publishers", $"{r.Settings.Publishers} (offered {(r.Settings.Rate > 0 ? F(r.Settings.Rate, 0) + " ev/s" : "flat out")}, {r.Settings.Batch} per request)");
        Row("events acknowledged", r.Publishes.ToString(CultureInfo.InvariantCulture));
        Row("publishes/s", F(r.PublishesPerSecond, 0));
        Row("deliveries", r.Deliveries.ToString(CultureInfo.InvariantCulture));
        Row("deliveries/s", F(r.DeliveriesPerSecond, 0));
        Row($"latency ({r.LatencyKind}) p50 / p99 / p99.9 / max ms", $"{F(r.Latency.P50Ms, 2)} / {F(r.Latency.P99Ms, 2)} / {F(r.Latency.P999Ms, 2)} / {F(r.Latency.MaxMs, 2)}");
        Row("missing / duplicates / out of order", $"{r.Missing} / {r.Duplicates} / {r.OutOfOrder}");
        Row("lagging or disconnected subscribers", r.Lagging.ToString(CultureInfo.InvariantCulture));
        Row("publish errors", r.PublishErrors.ToString(CultureInfo.InvariantCulture));
        Row("CPU seconds: bench / server", $"{F(r.BenchCpuSeconds ?? double.NaN, 2)} / {F(r.ServerCpuSeconds ?? double.NaN, 2)}");
        if (r.RssBeforeKiB is not null)
        {
            Row("server RSS before / after KiB", $"{r.RssBeforeKiB} / {r.RssAfterKiB}");
            Row("server RSS per connection KiB", F(r.RssPerConnectionKiB ?? double.NaN, 2));
        }

        console.Write(table);
    }

    public static string Json(BenchResult r) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["scenario"] = r.Settings.Scenario,
        ["server"] = r.Settings.Server.ToString(),
        ["subscribers"] = r.Settings.Subscribers,
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
        ["eventsPerSecond"] = Math.Round(r.EventsPerSecond),
        ["latency"] = r.LatencyKind,
        ["p50Ms"] = Round(r.Latency.P50Ms),
        ["p99Ms"] = Round(r.Latency.P99Ms),
        ["p999Ms"] = Round(r.Latency.P999Ms),
        ["maxMs"] = Round(r.Latency.MaxMs),
        ["missing"] = r.Missing,
        ["duplicates"] = r.Duplicates,
        ["outOfOrder"] = r.OutOfOrder,
        ["lagging"] = r.Lagging,
        ["publishErrors"] = r.PublishErrors,
        ["rssBeforeKiB"] = r.RssBeforeKiB,
        ["rssAfterKiB"] = r.RssAfterKiB,
        ["rssPerConnectionKiB"] = r.RssPerConnectionKiB is double perConnection ? Math.Round(perConnection, 2) : null,
        ["benchCpuSeconds"] = r.BenchCpuSeconds,
        ["serverCpuSeconds"] = r.ServerCpuSeconds,
        ["exact"] = r.Exact,
    });

    private static double? Round(double value) => double.IsNaN(value) ? null : Math.Round(value, 3);

    private static string F(double value, int decimals) => double.IsNaN(value) ? "-" : value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
