using System.Globalization;
using System.Text.Json;

namespace Herald.Load;

internal sealed record RunResult(string Scenario, long Events, long Requests, double Seconds, double[] LatenciesMs, long Errors)
{
    public double EventsPerSecond => Events / Seconds;

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. LatenciesMs.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

internal static class Report
{
    public static int Print(RunResult r)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"{r.Scenario,-8} events={r.Events,10} requests={r.Requests,9} seconds={r.Seconds,7:F2} events/s={r.EventsPerSecond,12:F0} p50={r.Percentile(50),8:F2}ms p99={r.Percentile(99),8:F2}ms errors={r.Errors}"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            scenario = r.Scenario,
            events = r.Events,
            requests = r.Requests,
            seconds = Math.Round(r.Seconds, 3),
            eventsPerSecond = Math.Round(r.EventsPerSecond),
            p50Ms = Math.Round(r.Percentile(50), 3),
            p99Ms = Math.Round(r.Percentile(99), 3),
            errors = r.Errors,
        }));
        return r.Errors == 0 ? 0 : 1;
    }
}
