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

    /// <summary>Streams the publishers spread their events over, round-robin; each subscriber follows all of them.</summary>
    public int Streams { get; init; } = 1;

    /// <summary>idle: each subscriber follows a stream of its own (<c>&lt;prefix&gt;-n</c>), the "stream per user" shape.</summary>
    public bool StreamPerSubscriber { get; init; }

    /// <summary>Each subscriber is one <c>GET /subscribe</c> connection following every stream, instead of one connection per stream.</summary>
    public bool Composite { get; init; }

    /// <summary>
    /// The name of the run's streams when there are several (or a composite subscription), before <c>-0</c> … <c>-(n-1)</c>.
    /// Short, because a composite <c>id:</c> repeats every name in every frame: 64 streams named like <see cref="Stream"/>
    /// would put 3.5 KB of names into each event, and the figure would measure names rather than connections.
    /// </summary>
    public string StreamPrefix { get; init; } = $"b{Guid.NewGuid():N}"[..9];

    /// <summary>Connections the subscribers open: one each, or one per stream each when they do not use <c>GET /subscribe</c>.</summary>
    public int Connections => Composite ? Subscribers : Subscribers * Streams;

    /// <summary>How long to wait, once publishing stops, for subscribers to receive every acknowledged event.</summary>
    public TimeSpan Drain => TimeSpan.FromSeconds(Math.Max(10, Duration.TotalSeconds));

    /// <summary>Sockets the run opens at most (plus a margin for the runtime's own descriptors).</summary>
    public int FileDescriptorsNeeded => Connections + Publishers + 64;

    /// <summary>The name of the run's stream number <paramref name="index"/> (0 … <see cref="Streams"/> - 1).</summary>
    public string StreamName(int index) => Streams == 1 && !Composite ? Stream : $"{StreamPrefix}-{index}";
}
