namespace Herald;

/// <summary>How to open a <see cref="SqliteEventLog"/>.</summary>
/// <param name="Path">The database file; its directory is created when missing. The <c>-wal</c> and <c>-shm</c> files live beside it.</param>
public sealed record SqliteEventLogOptions(string Path)
{
    /// <summary>
    /// <see langword="true"/> (the default) for <c>PRAGMA synchronous=FULL</c>: an acknowledged append survives power loss.
    /// <see langword="false"/> for <c>NORMAL</c>: still safe against a process crash, but the last commits may be lost on power loss.
    /// </summary>
    public bool SynchronousFull { get; init; } = true;

    /// <summary>Retention, idempotency window and clock, as for every store.</summary>
    public EventLogOptions Log { get; init; } = new();

    /// <summary>How long a connection waits for a lock held by another connection or process before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws when a value is out of range, naming the option.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Path);
        ArgumentNullException.ThrowIfNull(Log);
        Log.Validate();
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "The busy timeout must be between zero and int.MaxValue milliseconds.");
        }
    }
}
