using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Herald.Hosting;

namespace Herald.Tests.Metrics;

/// <summary>
/// What one host's <c>Herald</c> meter records, read with a <see cref="MeterListener"/> as any exporter reads it. Scoped to
/// that host's <see cref="IMeterFactory"/>, so another host in the same test process (tests run in parallel) is not counted.
/// Keys are the instrument name, with tags as <c>name{key=value}</c>.
/// </summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> _last = new(StringComparer.Ordinal);

    public MeterRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == scope && instrument.Meter.Name == HeraldMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The sum of every measurement: a counter's total, an up-down counter's value.</summary>
    public double Sum(string key) => _sums.GetValueOrDefault(key);

    /// <summary>How many measurements: a histogram's count.</summary>
    public int Count(string key) => _counts.GetValueOrDefault(key);

    /// <summary>The value an observable instrument reported at the last <see cref="Collect"/>; null if it reported none.</summary>
    public double? Observed(string key)
    {
        Collect();
        return _last.TryGetValue(key, out double value) ? value : null;
    }

    public void Collect() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string key = instrument.Name;
        if (!tags.IsEmpty)
        {
            List<string> pairs = [];
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                pairs.Add($"{tag.Key}={tag.Value}");
            }

            key += "{" + string.Join(',', pairs) + "}";
        }

        _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
        _counts.AddOrUpdate(key, 1, (_, count) => count + 1);
        _last[key] = value;
    }
}
