using System.Diagnostics;

namespace Herald.Bench.Run;

/// <summary>
/// Catch-up: fills a fresh stream with N events (NDJSON batches of 1,000), then times one subscriber reading them all
/// from ID 0 on one connection, checking every ID is the previous one plus 1.
/// </summary>
internal static class CatchupRun
{
    private const int FillBatch = 1000;

    public static async Task<BenchResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        // The first subscription of this process runs its client code for the first time (connection, de-chunking, the
        // SSE scanner): tens of milliseconds of JIT that the timed read would count as the server's time to the first
        // event. So one read of a small stream of its own first; the measured stream is untouched by it.
        string warmupStream = settings.Stream + "-warmup";
        long warmupLast = await FillAsync(settings, warmupStream, FillBatch, cancellationToken).ConfigureAwait(false);
        SubscriberSet warmup = await SubscriberSet.OpenAsync(settings.Server, warmupStream, 1, lastEventId: 0, latency: null, pooled: false, cancellationToken).ConfigureAwait(false);
        await using (warmup.ConfigureAwait(false))
        {
            SseSubscriber first = warmup.Connected == 1 ? warmup.Subscribers[0] : throw new IOException("The warm-up subscriber could not connect.");
            if (first.LastId < warmupLast)
            {
                await first.ReachedAsync(warmupLast).WaitAsync(TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
            }
        }

        long acknowledged = await FillAsync(settings, settings.Stream, settings.Events, cancellationToken).ConfigureAwait(false);

        long opened = Stopwatch.GetTimestamp();
        Stopwatch clock = Stopwatch.StartNew();
        SubscriberSet reader = await SubscriberSet.OpenAsync(settings.Server, settings.Stream, 1, lastEventId: 0, latency: null, pooled: false, cancellationToken).ConfigureAwait(false);
        await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable disposeReader = reader.ConfigureAwait(false);
        SseSubscriber subscriber = reader.Connected == 1 ? reader.Subscribers[0] : throw new IOException("The catch-up subscriber could not connect.");
        Task reached = subscriber.ReachedAsync(acknowledged);
        if (subscriber.LastId < acknowledged)
        {
            await reached.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return new BenchResult
        {
            Settings = settings,
            Seconds = seconds,
            Connected = reader.Connected,
            Publishes = acknowledged,
            Deliveries = subscriber.Received,
            Latency = new LatencySummary(1, seconds * 1000, seconds * 1000, seconds * 1000, seconds * 1000),
            LatencyKind = "time to read all",
            FirstEventMs = subscriber.FirstEventTimestamp == 0 ? null : Stopwatch.GetElapsedTime(opened, subscriber.FirstEventTimestamp).TotalMilliseconds,
            Missing = subscriber.Missing + Math.Max(0, acknowledged - subscriber.LastId),
            Duplicates = subscriber.Duplicates,
            OutOfOrder = subscriber.OutOfOrder,
            Lagging = subscriber.LastId < acknowledged ? 1 : 0,
        };
    }

    /// <summary>Publishes <paramref name="count"/> events to <paramref name="stream"/> in NDJSON batches; returns the last ID.</summary>
    private static async Task<long> FillAsync(BenchSettings settings, string stream, long count, CancellationToken cancellationToken)
    {
        string json = Payload.Json(settings.PayloadBytes);
        byte[] full = RawHttpConnection.BuildPost(settings.Server, $"/streams/{stream}/batch", Payload.Ndjson(json, FillBatch));
        long published = 0;
        long last = 0;
        using RawHttpConnection filler = await RawHttpConnection.OpenAsync(settings.Server, cancellationToken).ConfigureAwait(false);
        while (published < count)
        {
            int batch = (int)Math.Min(FillBatch, count - published);
            byte[] request = batch == FillBatch ? full : RawHttpConnection.BuildPost(settings.Server, $"/streams/{stream}/batch", Payload.Ndjson(json, batch));
            PublishAnswer answer = await filler.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (answer.Status != 201)
            {
                throw new IOException($"Filling stream '{stream}': batch publish answered {answer.Status}.");
            }

            published += batch;
            last = answer.Id;
        }

        return last;
    }
}
