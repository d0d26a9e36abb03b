using System.Globalization;

namespace Herald.Load;

internal sealed record Options(Uri Url, int Publishers, double Seconds, int Batch, int Size, int Events)
{
    public static Options Parse(string[] args)
    {
        Dictionary<string, string> values = new(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(
            new Uri(values.GetValueOrDefault("--url", "http://127.0.0.1:5080")),
            Int("--publishers", 32),
            values.TryGetValue("--seconds", out string? s) ? Math.Min(double.Parse(s, CultureInfo.InvariantCulture), 300) : 10,
            Math.Min(Int("--batch", 1000), 10_000),
            Int("--size", 200),
            Math.Min(Int("--events", 100_000), 5_000_000));
    }
}
