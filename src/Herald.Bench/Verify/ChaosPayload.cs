using System.Globalization;

namespace Herald.Bench.Verify;

/// <summary>
/// The data of every event a chaos run publishes: unique per logical event and readable back into a key, so the
/// checker can tell from a delivered payload which logical event it carries. Key = publisher × 2^40 + n, where n counts
/// that publisher's events from 0; publishers are numbered from 1, so no key is 0 or negative.
/// </summary>
internal sealed class ChaosPayload
{
    /// <summary>The key of a payload this run did not write (corrupted, truncated, another run's).</summary>
    public const long Unreadable = -1;

    private const int PublisherShift = 40;
    private const long MaxSequence = (1L << PublisherShift) - 1;
    private readonly string _prefix;

    public ChaosPayload(string runId) => _prefix = "chaos-" + runId + "-p";

    public static long Key(int publisher, long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(publisher, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxSequence);
        return ((long)publisher << PublisherShift) | n;
    }

    public string Format(int publisher, long n) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{publisher}-n{n}");

    /// <summary>The key of <paramref name="data"/>, or <see cref="Unreadable"/> unless it is exactly what <see cref="Format"/> writes.</summary>
    public long KeyOf(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.StartsWith(_prefix, StringComparison.Ordinal))
        {
            return Unreadable;
        }

        ReadOnlySpan<char> rest = data.AsSpan(_prefix.Length);
        int separator = rest.IndexOf("-n", StringComparison.Ordinal);
        if (separator <= 0
            || !int.TryParse(rest[..separator], NumberStyles.None, CultureInfo.InvariantCulture, out int publisher)
            || !long.TryParse(rest[(separator + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out long n)
            || publisher < 1
            || n > MaxSequence)
        {
            return Unreadable;
        }

        // Leading zeros would parse to the same numbers; only the exact text this run wrote counts as its payload.
        return data.Length == _prefix.Length + CountDigits(publisher) + 2 + CountDigits(n) ? Key(publisher, n) : Unreadable;
    }

    private static int CountDigits(long value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}
