using Herald.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Herald.Delivery;

/// <summary>
/// Samples how far behind its stream's last ID every open subscription is, once per heartbeat interval: a cost per
/// subscriber per interval, never per event (<c>herald_subscriber_lag_events</c>, <c>herald_subscriber_lag_events_max</c>).
/// </summary>
internal sealed class SubscriberLagSampler : IHostedService, IDisposable
{
    private readonly SubscriptionHub _hub;
    private readonly HeraldMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _interval;
    private readonly List<long> _lags = [];
    private ITimer? _timer;

    public SubscriberLagSampler(SubscriptionHub hub, HeraldMetrics metrics, TimeProvider timeProvider, IOptions<HeraldOptions> options)
    {
        _hub = hub;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _interval = options.Value.Heartbeat;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = _timeProvider.CreateTimer(static s => ((SubscriberLagSampler)s!).Sample(), this, _interval, _interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>One sample of every open subscription; the timer never runs two at once (each waits for the previous period).</summary>
    internal void Sample()
    {
        lock (_lags)
        {
            _lags.Clear();
            foreach (StreamState state in _hub.Snapshot())
            {
                state.CollectLags(_lags);
            }

            long max = 0;
            foreach (long lag in _lags)
            {
                _metrics.SubscriberLag.Record(lag);
                max = Math.Max(max, lag);
            }

            _metrics.SetSubscriberLagMax(max);
        }
    }
}
