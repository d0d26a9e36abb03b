namespace Herald.Bench.Run;

/// <summary>
/// Idle connections: the server's RSS (from <c>/proc</c>, given its PID) before and after opening N subscribers that
/// receive nothing, held for the run's duration, divided by N. The subscribers hold no read buffer while idle, so the
/// generator itself stays small. With <see cref="BenchSettings.StreamPerSubscriber"/> each subscriber follows a stream of
/// its own (with <see cref="BenchSettings.Composite"/>, <see cref="BenchSettings.Streams"/> of its own on one connection),
/// and once measured the subscribers leave and the RSS is read again after the same hold.
/// </summary>
internal static class IdleRun
{
    public static async Task<BenchResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        long? before = ServerMemory.RssKiB(settings.ServerPid);
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        SubscriberSet subscribers = settings switch
        {
            { StreamPerSubscriber: true, Composite: true } => await SubscriberSet.OpenAsync(settings.Subscribers, (n, token) => SseSubscriber.ConnectManyAsync(settings.Server, OwnStreams(settings, n), fromStart: false, latency: null, pooled: true, token), cancellationToken).ConfigureAwait(false),
            { StreamPerSubscriber: true } => await SubscriberSet.OpenAsync(settings.Subscribers, (n, token) => SseSubscriber.ConnectAsync(settings.Server, $"{settings.StreamPrefix}-{n}", streamIndex: 0, lastEventId: null, latency: null, pooled: true, token), cancellationToken).ConfigureAwait(false),
            _ => await SubscriberSet.OpenAsync(settings.Server, settings.Stream, settings.Subscribers, lastEventId: null, latency: null, pooled: true, cancellationToken).ConfigureAwait(false),
        };
        long? after;
        int connected;
        int ended;
        await using (subscribers.ConfigureAwait(false))
        {
            await HoldAsync(settings.Duration, cancellationToken).ConfigureAwait(false);
            after = ServerMemory.RssKiB(settings.ServerPid);
            connected = subscribers.Connected;
            ended = subscribers.Subscribers.Count(s => s.Ended);
        }

        long? end = null;
        if (settings.StreamPerSubscriber)
        {
            await HoldAsync(settings.Duration, cancellationToken).ConfigureAwait(false);
            end = ServerMemory.RssKiB(settings.ServerPid);
        }

        return new BenchResult
        {
            Settings = settings,
            Seconds = clock.Elapsed.TotalSeconds,
            Connected = connected,
            Latency = new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN),
            LatencyKind = "none",
            Lagging = ended,
            RssBeforeKiB = before,
            RssAfterKiB = after,
            RssEndKiB = end,
        };
    }

    /// <summary>Subscriber <paramref name="n"/>'s own streams when it follows several on one connection: <c>&lt;prefix&gt;-n-0</c> … <c>-(K-1)</c>.</summary>
    private static string[] OwnStreams(BenchSettings settings, int n) => [.. Enumerable.Range(0, settings.Streams).Select(k => $"{settings.StreamPrefix}-{n}-{k}")];

    private static async Task HoldAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(duration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: measure now.
        }
    }
}
