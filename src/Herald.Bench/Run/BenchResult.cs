namespace Herald.Bench.Run;

/// <summary>What one bench run measured; <see cref="BenchReport"/> prints it as a table and as one JSON line.</summary>
internal sealed record BenchResult
{
    public required BenchSettings Settings { get; init; }

    public double Seconds { get; init; }

    /// <summary>Subscriber connections whose subscribe request was answered 200 (one per stream per subscriber unless composite).</summary>
    public int Connected { get; init; }

    /// <summary>Events acknowledged by the server (201).</summary>
    public long Publishes { get; init; }

    public double PublishSeconds { get; init; }

    public long PublishErrors { get; init; }

    public long Deliveries { get; init; }

    /// <summary>Bytes the subscribers read (response heads and bodies): what a delivery costs on the wire.</summary>
    public long BytesReceived { get; init; }

    public required LatencySummary Latency { get; init; }

    /// <summary>What <see cref="Latency"/> measures in this scenario.</summary>
    public required string LatencyKind { get; init; }

    public long Missing { get; init; }

    public long Duplicates { get; init; }

    public long OutOfOrder { get; init; }

    /// <summary>Composite <c>id:</c> values that were not a cursor of the subscribed streams, or moved more than one pair.</summary>
    public long BadIds { get; init; }

    /// <summary>Subscribers that still missed acknowledged events when the drain ended, or were disconnected.</summary>
    public long Lagging { get; init; }

    /// <summary>Catch-up: from opening the connection to the first event, in milliseconds.</summary>
    public double? FirstEventMs { get; init; }

    public long? RssBeforeKiB { get; init; }

    /// <summary>The server's RSS once the connections are open (idle: after holding them; fan-out: before the first publish).</summary>
    public long? RssAfterKiB { get; init; }

    /// <summary>The server's RSS when the run is over (fan-out: after the drain, subscribers still connected).</summary>
    public long? RssEndKiB { get; init; }

    /// <summary>CPU seconds this bench process used during the run (includes the fill phase of catch-up).</summary>
    public double? BenchCpuSeconds { get; init; }

    /// <summary>CPU seconds the server used during the run, when its PID was given.</summary>
    public double? ServerCpuSeconds { get; init; }

    /// <summary>CPU seconds the server used from the first publish to the end of the drain (fan-out and publish), without connecting.</summary>
    public double? ServerCpuSecondsUnderLoad { get; init; }

    public double PublishesPerSecond => PublishSeconds > 0 ? Publishes / PublishSeconds : 0;

    public double DeliveriesPerSecond => Seconds > 0 ? Deliveries / Seconds : 0;

    public double? RssPerConnectionKiB => RssBeforeKiB is long before && RssAfterKiB is long after && Connected > 0 ? (after - before) / (double)Connected : null;

    /// <summary>The RSS the connections added, per subscriber: one connection, or one per stream.</summary>
    public double? RssPerSubscriberKiB => RssBeforeKiB is long before && RssAfterKiB is long after && Settings.Subscribers > 0 ? (after - before) / (double)Settings.Subscribers : null;

    /// <summary>The RSS the connections added, per stream they follow (idle, a stream per subscriber): one stream each, or several on one connection.</summary>
    public double? RssPerStreamKiB => Settings.StreamPerSubscriber && RssBeforeKiB is long before && RssAfterKiB is long after && Connected > 0 ? (after - before) / ((double)Connected * Settings.Streams) : null;

    /// <summary>Deliveries per CPU-second of the server while publishing and draining: the cost of delivering an event.</summary>
    public double? DeliveriesPerServerCpuSecond => ServerCpuSecondsUnderLoad is double cpu && cpu > 0 && Deliveries > 0 ? Deliveries / cpu : null;

    public double? BytesPerDelivery => Deliveries > 0 ? BytesReceived / (double)Deliveries : null;

    /// <summary>The scenario's headline rate: deliveries/s for fan-out and catch-up, publishes/s otherwise.</summary>
    public double EventsPerSecond => Settings.Scenario is BenchScenarios.Fanout or BenchScenarios.Catchup ? DeliveriesPerSecond : PublishesPerSecond;

    public bool Exact => Missing == 0 && Duplicates == 0 && OutOfOrder == 0 && BadIds == 0 && Lagging == 0 && PublishErrors == 0 && Connected == Settings.Connections;
}
