using Prometheus;

namespace Herald.Hosting;

/// <summary>
/// The <c>herald_</c> Prometheus metrics (docs/protocol.md "Operations"). A registry of its own per host, so that two hosts in one
/// process (tests, an app embedding Herald twice) never share counters; no per-stream labels, so cardinality stays bounded.
/// </summary>
internal sealed class HeraldMetrics
{
    public HeraldMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        MetricFactory factory = Metrics.WithCustomRegistry(Registry);
        EventsPublished = factory.CreateCounter("herald_events_published_total", "Events appended durably.");
        EventsDelivered = factory.CreateCounter("herald_events_delivered_total", "Event frames written to subscribers.");
        Subscribers = factory.CreateGauge("herald_subscribers", "Open SSE subscriptions.");
        Resumes = factory.CreateCounter(
            "herald_resumes_total",
            "Subscriptions by how they started: live (no position), exact (resumed at the next ID), gap (history trimmed), reset (position unknown to this store).",
            new CounterConfiguration { LabelNames = ["outcome"] });
        IdempotentReplays = factory.CreateCounter("herald_idempotent_replays_total", "Publishes answered from an earlier Idempotency-Key, appending nothing.");
        GapFrames = factory.CreateCounter("herald_gap_frames_total", "gap frames sent: subscribers behind the retained history.");
        AppendDuration = factory.CreateHistogram(
            "herald_append_duration_seconds",
            "Time for an append to become durable, including the wait for its group commit.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        DeliveryLag = factory.CreateHistogram(
            "herald_delivery_lag_seconds",
            "From the commit of an event to the write of its frame to a live subscriber's socket.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        RejectedRequests = factory.CreateCounter(
            "herald_rejected_requests_total",
            "Requests answered with a problem+json error (4xx or 5xx), by status.",
            new CounterConfiguration { LabelNames = ["status"] });
        ConnectionsRejected = factory.CreateCounter(
            "herald_connections_rejected_total",
            "Subscriptions refused by a connection cap: per_ip (429) or total (503).",
            new CounterConfiguration { LabelNames = ["reason"] });
        PublishesRateLimited = factory.CreateCounter("herald_publishes_rate_limited_total", "Publish requests refused by the publish rate limit (429).");
        ResetFrames = factory.CreateCounter("herald_reset_frames_total", "reset frames sent: subscribers whose position or epoch this store does not know.");
        ReplayDepth = factory.CreateHistogram(
            "herald_replay_depth_events",
            "Events a subscription had to replay when it started (the stream's last ID minus its position; 0 for live).",
            new HistogramConfiguration { Buckets = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] });
        SubscriberLag = factory.CreateHistogram(
            "herald_subscriber_lag_events",
            "How many events each open subscription is behind its stream's last ID, sampled on the heartbeat clock.",
            new HistogramConfiguration { Buckets = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] });
        SubscriberLagMax = factory.CreateGauge("herald_subscriber_lag_events_max", "The largest lag in events of any open subscription at the last heartbeat sample.");
        StoreReady = factory.CreateGauge("herald_store_ready", "1 when the store answered the readiness check made at this scrape (as /readyz does), else 0.");
        SequenceRegressions = factory.CreateCounter(
            "herald_sequence_regressions_total",
            "Appends that found the shared store's counter for a stream below an ID this node had seen (lost writes) and continued above it: IDs skipped, never repeated. Always 0 on single-node stores.");
    }

    public CollectorRegistry Registry { get; }

    public Counter EventsPublished { get; }

    public Counter EventsDelivered { get; }

    public Gauge Subscribers { get; }

    public Counter Resumes { get; }

    public Counter IdempotentReplays { get; }

    public Counter GapFrames { get; }

    public Histogram AppendDuration { get; }

    public Histogram DeliveryLag { get; }

    public Counter RejectedRequests { get; }

    public Counter ConnectionsRejected { get; }

    public Counter PublishesRateLimited { get; }

    public Counter ResetFrames { get; }

    public Histogram ReplayDepth { get; }

    public Histogram SubscriberLag { get; }

    public Gauge SubscriberLagMax { get; }

    public Gauge StoreReady { get; }

    public Counter SequenceRegressions { get; }

    /// <summary>Records one append, from HTTP or <see cref="IEventPublisher"/> alike: a replay is counted, not published.</summary>
    public void ObserveAppend(TimeSpan duration, AppendResult result, int eventCount)
    {
        AppendDuration.Observe(duration.TotalSeconds);
        if (result.Replayed)
        {
            IdempotentReplays.Inc();
        }
        else
        {
            EventsPublished.Inc(eventCount);
        }
    }
}
