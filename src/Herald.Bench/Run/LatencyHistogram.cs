using System.Diagnostics;

namespace Herald.Bench.Run;

/// <summary>
/// Log-linear latency buckets in microseconds (HdrHistogram's layout: 1 µs resolution below 128 µs, then 64 buckets per
/// power of two, so a reported value is within 1.6 % of the truth). Each recording thread has its own counts, so
/// thousands of readers record without contending; <see cref="Snapshot"/> merges them once the run is over.
/// </summary>
internal sealed class LatencyHistogram : IDisposable
{
    private const int Linear = 128;
    private const int PerPowerOfTwo = 64;
    private const int Buckets = Linear + (64 - 7) * PerPowerOfTwo;

    private readonly ThreadLocal<long[]> _counts = new(() => new long[Buckets + 1], trackAllValues: true);

    /// <summary>Records the time from <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp) to now.</summary>
    public void RecordSince(long startTimestamp)
    {
        long micros = (Stopwatch.GetTimestamp() - startTimestamp) * 1_000_000 / Stopwatch.Frequency;
        Record(micros);
    }

    public void Record(long micros)
    {
        micros = Math.Max(0, micros);
        long[] counts = _counts.Value!;
        counts[BucketOf(micros)]++;
        if (micros > counts[Buckets])
        {
            counts[Buckets] = micros; // the exact maximum rides in the last slot
        }
    }

    public LatencySummary Snapshot()
    {
        long[] merged = new long[Buckets];
        long max = 0;
        foreach (long[] counts in _counts.Values)
        {
            for (int i = 0; i < Buckets; i++)
            {
                merged[i] += counts[i];
            }

            max = Math.Max(max, counts[Buckets]);
        }

        long total = merged.Sum();
        double Percentile(double p)
        {
            if (total == 0)
            {
                return double.NaN;
            }

            long rank = Math.Max(1, (long)Math.Ceiling(p / 100 * total));
            long seen = 0;
            for (int i = 0; i < Buckets; i++)
            {
                seen += merged[i];
                if (seen >= rank)
                {
                    return Math.Min(UpperBoundOf(i), max) / 1000.0;
                }
            }

            return max / 1000.0;
        }

        return new LatencySummary(total, Percentile(50), Percentile(99), Percentile(99.9), total == 0 ? double.NaN : max / 1000.0);
    }

    public void Dispose() => _counts.Dispose();

    private static int BucketOf(long micros)
    {
        if (micros < Linear)
        {
            return (int)micros;
        }

        int shift = 63 - (int)long.LeadingZeroCount(micros) - 6; // micros >> shift is in [64, 127]
        return Linear + ((shift - 1) * PerPowerOfTwo) + (int)((micros >> shift) - PerPowerOfTwo);
    }

    private static long UpperBoundOf(int bucket)
    {
        if (bucket < Linear)
        {
            return bucket;
        }

        int shift = ((bucket - Linear) / PerPowerOfTwo) + 1;
        long sub = ((bucket - Linear) % PerPowerOfTwo) + PerPowerOfTwo;
        return ((sub + 1) << shift) - 1;
    }
}

/// <summary>Latency percentiles in milliseconds (NaN when nothing was recorded).</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P99Ms, double P999Ms, double MaxMs);
