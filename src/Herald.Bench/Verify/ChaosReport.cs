using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Herald.Bench.Verify;

/// <summary>The end of a chaos run: a summary table, a one-line verdict, and one JSON line with the same figures.</summary>
internal static class ChaosReport
{
    public static void Write(ChaosConsole console, ChaosResult result)
    {
        ChaosVerdict verdict = result.Verdict;
        double seconds = Math.Max(result.Elapsed.TotalSeconds, 0.001);
        Table table = new Table().Border(TableBorder.Rounded).AddColumn("Measure").AddColumn(new TableColumn("Value").RightAligned());
        string faults = string.Join(", ", result.Faults.OrderBy(f => f.Key).Select(f => $"{f.Key.Name()} {f.Value}"));
        table.AddRow("Faults", Markup.Escape($"{result.FaultCount} ({(faults.Length == 0 ? "none" : faults)})"));
        table.AddRow("Events acknowledged", Number(verdict.Acknowledged) + Markup.Escape($" ({verdict.Acknowledged / seconds:N0}/s over {seconds:0} s)"));
        table.AddRow("Highest acknowledged ID", Number(verdict.HighestAcknowledged));
        table.AddRow("Deliveries", Number(verdict.Deliveries) + $" ({verdict.Subscribers.Count} subscribers)");
        table.AddRow("Lost", Count(verdict.Lost));
        table.AddRow("Duplicated", Count(verdict.Duplicated));
        table.AddRow("Reordered", Count(verdict.Reordered));
        table.AddRow("Skipped IDs (not +1)", Count(verdict.Skips));
        table.AddRow("Payload mismatches", Count(verdict.PayloadMismatches));
        table.AddRow("gap / reset frames", Count(verdict.GapFrames) + " / " + Count(verdict.Resets));
        table.AddRow("Publishes resent (same key)", Number(result.PublishesResent) + Markup.Escape($" ({result.PublishesReplayed:N0} answered as replays)"));
        table.AddRow("Unacknowledged at the end", Markup.Escape($"{result.UnacknowledgedBatches} batches, {verdict.Unacknowledged} deliveries"));
        console.Console.Write(table);

        foreach (SubscriberVerdict subscriber in verdict.Subscribers.Where(s => !s.Passed))
        {
            console.Line($"subscriber {subscriber.Subscriber}: {subscriber.Deliveries} deliveries up to ID {subscriber.HighestId}; lost {subscriber.Lost}, duplicated {subscriber.Duplicated}, reordered {subscriber.Reordered}, skips {subscriber.Skips}, payload mismatches {subscriber.PayloadMismatches}, gap frames {subscriber.GapFrames}, resets {subscriber.Resets}");
            foreach (string reset in subscriber.ResetFrames)
            {
                console.Line($"subscriber {subscriber.Subscriber}: reset {reset}");
            }
        }

        foreach (string failure in result.Failures)
        {
            console.Error(failure);
        }

        if (verdict.Acknowledged == 0)
        {
            console.Error("nothing was acknowledged, so nothing was verified");
        }

        console.Line(result.Passed
            ? $"PASSED: every one of {verdict.Acknowledged:N0} acknowledged events reached each of {verdict.Subscribers.Count} subscribers exactly once, in order, through {result.FaultCount} faults"
            : "FAILED: see the violations above");
        console.Raw(Json(result));
    }

    public static string Json(ChaosResult result)
    {
        ChaosVerdict verdict = result.Verdict;
        using MemoryStream buffer = new();
        using (Utf8JsonWriter json = new(buffer))
        {
            json.WriteStartObject();
            json.WriteString("command", "verify --chaos");
            json.WriteString("store", result.Options.Store == ChaosStore.Redis ? "redis" : "sqlite");
            json.WriteBoolean("passed", result.Passed);
            json.WriteNumber("seed", result.Options.Seed);
            json.WriteNumber("durationSeconds", Math.Round(result.Elapsed.TotalSeconds, 1));
            json.WriteNumber("publishers", result.Options.Publishers);
            json.WriteNumber("subscribers", result.Options.Subscribers);
            json.WriteNumber("batch", result.Options.Batch);
            json.WriteNumber("faults", result.FaultCount);
            json.WriteStartObject("faultsByKind");
            foreach ((FaultKind kind, int count) in result.Faults.OrderBy(f => f.Key))
            {
                json.WriteNumber(kind.Name(), count);
            }

            json.WriteEndObject();
            json.WriteNumber("acknowledged", verdict.Acknowledged);
            json.WriteNumber("acknowledgedPerSecond", Math.Round(verdict.Acknowledged / Math.Max(result.Elapsed.TotalSeconds, 0.001)));
            json.WriteNumber("highestId", verdict.HighestAcknowledged);
            json.WriteNumber("deliveries", verdict.Deliveries);
            json.WriteNumber("lost", verdict.Lost);
            json.WriteNumber("duplicated", verdict.Duplicated);
            json.WriteNumber("reordered", verdict.Reordered);
            json.WriteNumber("skips", verdict.Skips);
            json.WriteNumber("payloadMismatches", verdict.PayloadMismatches);
            json.WriteNumber("gapFrames", verdict.GapFrames);
            json.WriteNumber("resets", verdict.Resets);
            json.WriteNumber("publishesResent", result.PublishesResent);
            json.WriteNumber("publishesReplayed", result.PublishesReplayed);
            json.WriteNumber("unacknowledgedBatches", result.UnacknowledgedBatches);
            json.WriteStartArray("failures");
            foreach (string failure in result.Failures)
            {
                json.WriteStringValue(failure);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Count(long value) => value == 0 ? "0" : $"[red]{Number(value)}[/]";
}
