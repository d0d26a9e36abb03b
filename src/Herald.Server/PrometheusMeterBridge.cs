using System.Diagnostics.Metrics;
using Herald.Hosting;
using Prometheus;

namespace Herald.Server;

/// <summary>
/// Publishes this host's <c>Herald</c> meter as prometheus-net collectors in a registry of its own, for <c>/metrics</c>
/// (docs/operations.md "Metrics"): the same <c>herald_*</c> names, types, help texts and buckets the endpoint always had.
/// </summary>
/// <remarks>
/// Not prometheus-net's <c>MeterAdapter</c>: it exports counters as gauges, creates a series only at its first
/// measurement and drops it after minutes without one, and names it after the meter and the instrument alike, so
/// dashboards and alerts would see different metrics. Only instruments whose meter came from this host's
/// <see cref="IMeterFactory"/> are listened to, so two servers in one process (the tests) never see each other's counts.
/// </remarks>
internal sealed class PrometheusMeterBridge : IDisposable
{
    private readonly IMeterFactory _scope;
    private readonly MetricFactory _factory;
    private readonly MeterListener _listener = new();

    public PrometheusMeterBridge(IMeterFactory meterFactory, HeraldMetrics metrics)
    {
        _scope = meterFactory;
        Registry = Metrics.NewCustomRegistry();
        _factory = Metrics.WithCustomRegistry(Registry);
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Export)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Export)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Export)state!).Record(value, tags));
        _listener.Start();

        // One callback, not two: prometheus-net runs synchronous callbacks before asynchronous ones, and the store check
        // that herald_store_ready reports must be done before the observable instruments are read.
        Registry.AddBeforeCollectCallback(async cancellationToken =>
        {
            await metrics.RefreshStoreReadyAsync(cancellationToken).ConfigureAwait(false);
            _listener.RecordObservableInstruments();
        });
    }

    public CollectorRegistry Registry { get; }

    public void Dispose() => _listener.Dispose();

    /// <summary>
    /// The Prometheus name of an instrument, by OpenTelemetry's rules (dots to underscores, <c>_seconds</c> for unit
    /// <c>s</c>, <c>_total</c> for monotonic counters), so that an app exporting the meter with OpenTelemetry's
    /// Prometheus exporter gets the names <c>herald-server</c> serves.
    /// </summary>
    internal static string PrometheusName(Instrument instrument)
    {
        string name = instrument.Name.Replace('.', '_');
        if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }

        if (IsKind(instrument, typeof(Counter<>), typeof(ObservableCounter<>)) && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    private static bool IsKind(Instrument instrument, params Type[] kinds)
    {
        Type type = instrument.GetType();
        return type.IsGenericType && kinds.Contains(type.GetGenericTypeDefinition());
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (instrument.Meter.Scope != _scope || instrument.Meter.Name != HeraldMetrics.MeterName)
        {
            return;
        }

        // Created now, not at the first measurement, so that a counter nothing has touched yet is scraped as 0.
        string name = PrometheusName(instrument);
        string help = instrument.Description ?? name;
        string[] labels = HeraldMetrics.TagKeys(instrument.Name);
        Export? export = null;
        if (IsKind(instrument, typeof(Counter<>)))
        {
            Counter counter = _factory.CreateCounter(name, help, labels);
            export = new Export(labels, v => counter.Inc(v), (v, l) => counter.WithLabels(l).Inc(v));
        }
        else if (IsKind(instrument, typeof(ObservableCounter<>)))
        {
            Counter counter = _factory.CreateCounter(name, help, labels);
            export = new Export(labels, v => counter.IncTo(v), (v, l) => counter.WithLabels(l).IncTo(v));
        }
        else if (IsKind(instrument, typeof(UpDownCounter<>)))
        {
            Gauge gauge = _factory.CreateGauge(name, help, labels);
            export = new Export(labels, v => gauge.Inc(v), (v, l) => gauge.WithLabels(l).Inc(v));
        }
        else if (IsKind(instrument, typeof(ObservableGauge<>), typeof(ObservableUpDownCounter<>), typeof(Gauge<>)))
        {
            Gauge gauge = _factory.CreateGauge(name, help, labels);
            export = new Export(labels, v => gauge.Set(v), (v, l) => gauge.WithLabels(l).Set(v));
        }
        else if (IsKind(instrument, typeof(Histogram<>)))
        {
            Histogram histogram = _factory.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = Buckets(instrument) });
            export = new Export(labels, v => histogram.Observe(v), (v, l) => histogram.WithLabels(l).Observe(v));
        }

        if (export is not null)
        {
            listener.EnableMeasurementEvents(instrument, export);
        }
    }

    /// <summary>The buckets the instrument advises (docs/operations.md lists them), else prometheus-net's defaults.</summary>
    private static double[]? Buckets(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds],
        Histogram<long> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(b => (double)b)],
        _ => null,
    };

    /// <summary>Where one instrument's measurements go: the collector itself, or its child for the measurement's tags.</summary>
    private sealed class Export(string[] labelNames, Action<double> unlabelled, Action<double, string[]> labelled)
    {
        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (labelNames.Length == 0)
            {
                unlabelled(value);
                return;
            }

            string[] values = new string[labelNames.Length];
            for (int i = 0; i < labelNames.Length; i++)
            {
                values[i] = string.Empty;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag.Key == labelNames[i])
                    {
                        values[i] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                    }
                }
            }

            labelled(value, values);
        }
    }
}
