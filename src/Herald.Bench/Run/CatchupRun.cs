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
        string json = Payload.Json(settings.PayloadBytes);
        byte[] full = RawHttpConnection.BuildPost(settings.Server, $"/streams/{settings.Stream}/batch", Payload.Ndjson(json, FillBatch));
        long acknowledged = 0;
        using (RawHttpConnection filler = await RawHttpConnection.OpenAsync(settings.Server, cancellationToken).ConfigureAwait(false))
        {
            while (acknowledged < settings.Events)
            {
                int count = (int)Math.Min(FillBatch, settings.Events - acknowledged);
                byte[] request = count == FillBatch ? full : RawHttpConnection.BuildPost(settings.Server, $"/streams/{settings.Stream}/batch", Payload.Ndjson(json, count));
                PublishAnswer answer = await filler.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (answer.Status != 201)
                {
                    throw new IOException($"Filling the stream: batch publish answered {answer.Status}.");
                }

                acknowledged = answer.Id;
            }
        }

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
}
