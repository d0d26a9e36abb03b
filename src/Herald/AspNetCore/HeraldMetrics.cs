using Prometheus;

namespace Herald;

/// <summary>
/// The <c>herald_</c> Prometheus metrics (API.md "Operations"). A registry of its own per host, so that two hosts in one
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
