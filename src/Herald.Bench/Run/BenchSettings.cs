namespace Herald.Bench.Run;

/// <summary>One bench run as the command line described it, with the scenario's defaults filled in.</summary>
internal sealed record BenchSettings
{
    public required string Scenario { get; init; }

    public required Uri Server { get; init; }

    public int Subscribers { get; init; }

    public int Publishers { get; init; }

    /// <summary>Events per second offered by all publishers together; 0 means closed loop, flat out.</summary>
    public double Rate { get; init; }

    public TimeSpan Duration { get; init; }

    public int PayloadBytes { get; init; } = 200;

    /// <summary>Events per publish request: 1 is a single POST, more is an NDJSON batch.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Retained events to read back (catch-up).</summary>
    public long Events { get; init; }

    public int? ServerPid { get; init; }

    /// <summary>A fresh stream for every run, so IDs start at 1 and every subscriber can check them from there.</summary>
    public string Stream { get; init; } = $"bench-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid():N}";

    /// <summary>How long to wait, once publishing stops, for subscribers to receive every acknowledged event.</summary>
    public TimeSpan Drain => TimeSpan.FromSeconds(Math.Max(10, Duration.TotalSeconds));

    /// <summary>Sockets the run opens at most (plus a margin for the runtime's own descriptors).</summary>
    public int FileDescriptorsNeeded => Subscribers + Publishers + 64;
}
