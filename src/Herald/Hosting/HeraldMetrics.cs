using System.Diagnostics.Metrics;

namespace Herald.Hosting;

/// <summary>
/// Herald's instruments on the <see cref="MeterName"/> meter (docs/operations.md "Metrics"). The meter comes from the host's
/// <see cref="IMeterFactory"/>, so two hosts in one process (tests, an app embedding Herald twice) never share
/// instruments; an exporter tells them apart by <see cref="Meter.Scope"/>. Tags are bounded (outcome, status, reason),
/// never a stream name, so cardinality stays bounded however many streams exist.
/// </summary>
/// <remarks>
/// Instrument names follow OpenTelemetry's conventions and are chosen so that the usual Prometheus translation (dots to
/// underscores, <c>_seconds</c> for unit <c>s</c>, <c>_total</c> for counters, <c>{…}</c> units dropped) gives the
/// <c>herald_*</c> names that dashboards and alerts already use: <c>herald.events.published</c> becomes
/// <c>herald_events_published_total</c>.
/// </remarks>
internal sealed class HeraldMetrics
{
    /// <summary>What an app passes to OpenTelemetry's <c>AddMeter</c> to export Herald's metrics.</summary>
    public const string MeterName = "Herald";

    /// <summary>Today's prometheus-net buckets, <c>ExponentialBuckets(0.0001, 2, 16)</c>: 100 µs to about 3.3 s.</summary>
    private static readonly double[] s_secondsBuckets = ExponentialBuckets(0.0001, 2, 16);

    private static readonly long[] s_eventCountBuckets = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

    /// <summary>A collection within this long of the last readiness check reports that check instead of starting another.</summary>
    private static readonly TimeSpan s_readinessReuse = TimeSpan.FromSeconds(1);

    private readonly Counter<long> _eventsPublished;
    private readonly Counter<long> _idempotentReplays;
    private readonly Histogram<double> _appendDuration;
    private readonly Counter<long> _resumes;
    private readonly Counter<long> _rejectedRequests;
    private readonly Counter<long> _connectionsRejected;
    private readonly TimeProvider _time = TimeProvider.System;
    private IEventLog? _log;
    private long _subscriberLagMax;
    private int _storeReady;
    private long _storeCheckedAt = long.MinValue;
    private int _storeChecking;

    public HeraldMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(new MeterOptions(MeterName));
        _eventsPublished = Meter.CreateCounter<long>("herald.events.published", "{event}", "Events appended durably.");
        EventsDelivered = Meter.CreateCounter<long>("herald.events.delivered", "{event}", "Event frames written to subscribers.");
        Subscribers = Meter.CreateUpDownCounter<long>("herald.subscribers", "{subscription}", "Open SSE subscriptions.");
        _resumes = Meter.CreateCounter<long>(
            "herald.resumes",
            "{subscription}",
            "Subscriptions by how they started: live (no position), exact (resumed at the next ID), gap (history trimmed), reset (position unknown to this store).");
        _idempotentReplays = Meter.CreateCounter<long>("herald.idempotent_replays", "{publish}", "Publishes answered from an earlier Idempotency-Key, appending nothing.");
        GapFrames = Meter.CreateCounter<long>("herald.gap_frames", "{frame}", "gap frames sent: subscribers behind the retained history.");
        _appendDuration = Meter.CreateHistogram(
            "herald.append.duration",
            "s",
            "Time for an append to become durable, including the wait for its group commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        DeliveryLag = Meter.CreateHistogram(
            "herald.delivery.lag",
            "s",
            "From the commit of an event to the write of its frame to a live subscriber's socket.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _rejectedRequests = Meter.CreateCounter<long>("herald.rejected_requests", "{request}", "Requests answered with a problem+json error (4xx or 5xx), by status.");
        _connectionsRejected = Meter.CreateCounter<long>("herald.connections_rejected", "{subscription}", "Subscriptions refused by a connection cap: per_ip (429) or total (503).");
        PublishesRateLimited = Meter.CreateCounter<long>("herald.publishes.rate_limited", "{request}", "Publish requests refused by the publish rate limit (429).");
        ResetFrames = Meter.CreateCounter<long>("herald.reset_frames", "{frame}", "reset frames sent: subscribers whose position or epoch this store does not know.");

        // The unit {event} is dropped in Prometheus names, so these names carry "events" themselves, as they always have.
        ReplayDepth = Meter.CreateHistogram(
            "herald.replay_depth_events",
            "{event}",
            "Events a subscription had to replay when it started (the stream's last ID minus its position; 0 for live).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_eventCountBuckets });
        SubscriberLag = Meter.CreateHistogram(
            "herald.subscriber_lag_events",
            "{event}",
            "How many events each open subscription is behind its stream's last ID, sampled on the heartbeat clock.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_eventCountBuckets });
        Meter.CreateObservableGauge(
            "herald.subscriber_lag_events_max",
            () => Volatile.Read(ref _subscriberLagMax),
            "{event}",
            "The largest lag in events of any open subscription at the last heartbeat sample.");
        Meter.CreateObservableGauge(
            "herald.store_ready",
            ObserveStoreReady,
            unit: null, // not "1": OpenTelemetry's Prometheus exporter would append _ratio to a gauge in that unit
            "1 when the store answered the readiness check made at this scrape (as /readyz does), else 0.");
        Meter.CreateObservableCounter(
            "herald.sequence_regressions",
            () => _log is ISequenceRegressionCounter regressions ? regressions.SequenceRegressions : 0L,
            "{append}",
            "Appends that found the shared store's counter for a stream below an ID this node had seen (lost writes) and continued above it: IDs skipped, never repeated. Always 0 on single-node stores.");
    }

    /// <summary>This host's meter; an exporter keeps to it with <c>instrument.Meter.Scope == meterFactory</c>.</summary>
    public Meter Meter { get; }

    public Counter<long> EventsDelivered { get; }

    public UpDownCounter<long> Subscribers { get; }

    public Counter<long> GapFrames { get; }

    public Histogram<double> DeliveryLag { get; }

    public Counter<long> PublishesRateLimited { get; }

    public Counter<long> ResetFrames { get; }

    public Histogram<long> ReplayDepth { get; }

    public Histogram<long> SubscriberLag { get; }

    /// <summary>
    /// The tag keys each tagged instrument records with, for exporters such as prometheus-net that declare a metric's
    /// labels before its first sample; every other instrument records without tags.
    /// </summary>
    public static string[] TagKeys(string instrumentName) => instrumentName switch
    {
        "herald.resumes" => ["outcome"],
        "herald.rejected_requests" => ["status"],
        "herald.connections_rejected" => ["reason"],
        _ => [],
    };

    /// <summary>Called once the host has opened its store: readiness and sequence regressions are read from it at each collection.</summary>
    public void TrackStore(IEventLog log) => _log = log;

    /// <summary>Records one append, from HTTP or <see cref="IEventPublisher"/> alike: a replay is counted, not published.</summary>
    public void ObserveAppend(TimeSpan duration, AppendResult result, int eventCount)
    {
        _appendDuration.Record(duration.TotalSeconds);
        if (result.Replayed)
        {
            _idempotentReplays.Add(1);
        }
        else
        {
            _eventsPublished.Add(eventCount);
        }
    }

    /// <summary>How a subscription started: live, exact, gap or reset.</summary>
    public void Resumed(string outcome) => _resumes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A problem+json answer; the status is a label of at most a dozen values.</summary>
    public void Rejected(int status) =>
        _rejectedRequests.Add(1, new KeyValuePair<string, object?>("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A subscription refused by a connection cap: per_ip or total.</summary>
    public void ConnectionRejected(string reason) => _connectionsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>The largest lag of the last heartbeat sample, reported at each collection.</summary>
    public void SetSubscriberLagMax(long max) => Volatile.Write(ref _subscriberLagMax, max);

    /// <summary>
    /// Checks the store as <c>/readyz</c> does and keeps the answer for <c>herald.store_ready</c>. A Prometheus endpoint
    /// awaits this before it collects, so a scrape reports its own check; see <see cref="ObserveStoreReady"/> otherwise.
    /// </summary>
    public async Task RefreshStoreReadyAsync(CancellationToken cancellationToken)
    {
        if (_log is not { } log)
        {
            return;
        }

        bool ready = await StoreReadiness.CheckAsync(log, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _storeReady, ready ? 1 : 0);
        Volatile.Write(ref _storeCheckedAt, _time.GetTimestamp());
    }

    /// <summary>
    /// An observable callback must not block, and a store check may take up to 2 s (Redis unreachable): unless a check just
    /// ran, this starts one and reports its answer if it came at once (memory, SQLite), else the previous answer. So an
    /// exporter that does not call <see cref="RefreshStoreReadyAsync"/> reports at worst the check of its previous collection.
    /// </summary>
    private int ObserveStoreReady()
    {
        if (_log is not null
            && (Volatile.Read(ref _storeCheckedAt) == long.MinValue || _time.GetElapsedTime(Volatile.Read(ref _storeCheckedAt)) >= s_readinessReuse)
            && Interlocked.Exchange(ref _storeChecking, 1) == 0)
        {
            _ = CheckInBackgroundAsync();
        }

        return Volatile.Read(ref _storeReady);
    }

    private async Task CheckInBackgroundAsync()
    {
        try
        {
            await RefreshStoreReadyAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _storeChecking, 0);
        }
    }

    private static double[] ExponentialBuckets(double start, double factor, int count)
    {
        double[] buckets = new double[count];
        double next = start;
        for (int i = 0; i < count; i++)
        {
            buckets[i] = next;
            next *= factor;
        }

        return buckets;
    }
}
