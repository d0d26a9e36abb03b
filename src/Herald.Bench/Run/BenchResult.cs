namespace Herald.Bench.Run;

/// <summary>What one bench run measured; <see cref="BenchReport"/> prints it as a table and as one JSON line.</summary>
internal sealed record BenchResult
{
    public required BenchSettings Settings { get; init; }

    public double Seconds { get; init; }

    /// <summary>Subscribers whose subscribe request was answered 200.</summary>
    public int Connected { get; init; }

    /// <summary>Events acknowledged by the server (201).</summary>
    public long Publishes { get; init; }

    public double PublishSeconds { get; init; }

    public long PublishErrors { get; init; }

    public long Deliveries { get; init; }

    public required LatencySummary Latency { get; init; }

    /// <summary>What <see cref="Latency"/> measures in this scenario.</summary>
    public required string LatencyKind { get; init; }

    public long Missing { get; init; }

    public long Duplicates { get; init; }

    public long OutOfOrder { get; init; }

    /// <summary>Subscribers that still missed acknowledged events when the drain ended, or were disconnected.</summary>
    public long Lagging { get; init; }

    public long? RssBeforeKiB { get; init; }

    public long? RssAfterKiB { get; init; }

    /// <summary>CPU seconds this bench process used during the run (includes the fill phase of catch-up).</summary>
    public double? BenchCpuSeconds { get; init; }

    /// <summary>CPU seconds the server used during the run, when its PID was given.</summary>
    public double? ServerCpuSeconds { get; init; }

    public double PublishesPerSecond => PublishSeconds > 0 ? Publishes / PublishSeconds : 0;

    public double DeliveriesPerSecond => Seconds > 0 ? Deliveries / Seconds : 0;

    public double? RssPerConnectionKiB => RssBeforeKiB is long before && RssAfterKiB is long after && Connected > 0 ? (after - before) / (double)Connected : null;

    /// <summary>The scenario's headline rate: deliveries/s for fan-out and catch-up, publishes/s otherwise.</summary>
    public double EventsPerSecond => Settings.Scenario is BenchScenarios.Fanout or BenchScenarios.Catchup ? DeliveriesPerSecond : PublishesPerSecond;

    public bool Exact => Missing == 0 && Duplicates == 0 && OutOfOrder == 0 && Lagging == 0 && PublishErrors == 0 && Connected == Settings.Subscribers;
}
