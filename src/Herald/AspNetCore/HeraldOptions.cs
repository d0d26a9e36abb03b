namespace Herald;

/// <summary>How the Herald endpoints behave. Defaults are API.md's.</summary>
public sealed class HeraldOptions
{
    /// <summary>Events kept per stream (API.md <c>--retention</c>, default 100,000).</summary>
    public long Retention { get; set; } = 100_000;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered (default 24 h).</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Interval of the heartbeat comment on idle SSE connections (API.md: default 15 s).</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The <c>retry:</c> a new SSE response starts with (default 3 s).</summary>
    public TimeSpan Retry { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The largest body of a single publish (API.md: 1 MiB).</summary>
    public int MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest body of a batch publish (API.md: 16 MiB).</summary>
    public int MaxBatchBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most events one batch may carry (API.md: 10,000).</summary>
    public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>Recent events per subscribed stream kept encoded in memory, so live delivery never touches the store.</summary>
    public int HotTailCapacity { get; set; } = 4096;

    /// <summary>
    /// Bearer keys that may publish. Empty: publishing is accepted only from loopback addresses (API.md "Security").
    /// </summary>
    public IList<string> PublisherKeys { get; } = [];

    /// <summary>Every problem with the options, each naming its option; empty when they are fine.</summary>
    public IReadOnlyList<string> Validate()
    {
        List<string> errors = [];
        if (Retention < 1)
        {
            errors.Add($"{nameof(Retention)} must be at least 1 (got {Retention}).");
        }

        if (IdempotencyWindow <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(IdempotencyWindow)} must be positive.");
        }

        if (Heartbeat < TimeSpan.FromMilliseconds(100) || Heartbeat > TimeSpan.FromHours(1))
        {
            errors.Add($"{nameof(Heartbeat)} must be between 0.1 s and 1 h (got {Heartbeat.TotalSeconds} s).");
        }

        if (Retry < TimeSpan.FromMilliseconds(1) || Retry > TimeSpan.FromHours(1))
        {
            errors.Add($"{nameof(Retry)} must be between 1 ms and 1 h.");
        }

        if (MaxEventBytes < 1)
        {
            errors.Add($"{nameof(MaxEventBytes)} must be at least 1.");
        }

        if (MaxBatchBytes < 1)
        {
            errors.Add($"{nameof(MaxBatchBytes)} must be at least 1.");
        }

        if (MaxBatchEvents < 1)
        {
            errors.Add($"{nameof(MaxBatchEvents)} must be at least 1.");
        }

        if (HotTailCapacity is < 1 or > 1 << 20)
        {
            errors.Add($"{nameof(HotTailCapacity)} must be between 1 and 1048576.");
        }

        foreach (string key in PublisherKeys)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length < 16 || key.Any(char.IsWhiteSpace))
            {
                errors.Add($"{nameof(PublisherKeys)}: a publisher key must be at least 16 characters with no whitespace.");
                break;
            }
        }

        return errors;
    }

    internal EventLogOptions ToEventLogOptions(TimeProvider timeProvider) => new()
    {
        Retention = Retention,
        IdempotencyWindow = IdempotencyWindow,
        TimeProvider = timeProvider,
    };
}
