namespace Herald;

/// <summary>What every store is told, whatever it is built on.</summary>
public sealed record EventLogOptions
{
    /// <summary>Events kept per stream (docs/protocol.md <c>--retention</c>): at least the last N stay readable; trimming may lag a little behind.</summary>
    public long Retention { get; init; } = 100_000;

    /// <summary>How long an accepted <c>Idempotency-Key</c> is remembered (docs/protocol.md: 24 h).</summary>
    public TimeSpan IdempotencyWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The clock for idempotency expiry and commit timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws when a value is out of range, naming the option.</summary>
    public void Validate()
    {
        if (Retention < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Retention), Retention, "Retention must keep at least 1 event per stream.");
        }

        if (IdempotencyWindow <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(IdempotencyWindow), IdempotencyWindow, "The idempotency window must be positive.");
        }
    }

    /// <summary>How many events past <see cref="Retention"/> a stream may hold before it is trimmed: trimming in chunks keeps it off the hot path.</summary>
    public long TrimSlack => Math.Clamp(Retention / 8, 1, 4096);
}
