namespace Herald.Bench.Run;

/// <summary>
/// Idle connections: the server's RSS (from <c>/proc</c>, given its PID) before and after opening N subscribers that
/// receive nothing, held for the run's duration, divided by N. The subscribers hold no read buffer while idle, so the
/// generator itself stays small.
/// </summary>
internal static class IdleRun
{
    public static async Task<BenchResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        long? before = ServerMemory.RssKiB(settings.ServerPid);
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        SubscriberSet subscribers = await SubscriberSet.OpenAsync(settings.Server, settings.Stream, settings.Subscribers, lastEventId: null, latency: null, pooled: true, cancellationToken).ConfigureAwait(false);
        await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable disposeSubscribers = subscribers.ConfigureAwait(false);
        try
        {
            await Task.Delay(settings.Duration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: measure now.
        }

        long? after = ServerMemory.RssKiB(settings.ServerPid);
        return new BenchResult
        {
            Settings = settings,
            Seconds = clock.Elapsed.TotalSeconds,
            Connected = subscribers.Connected,
            Latency = new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN),
            LatencyKind = "none",
            Lagging = subscribers.Subscribers.Count(s => s.Ended),
            RssBeforeKiB = before,
            RssAfterKiB = after,
        };
    }
}
