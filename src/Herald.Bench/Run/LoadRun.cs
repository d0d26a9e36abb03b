using System.Diagnostics;
using System.Text;

namespace Herald.Bench.Run;

/// <summary>
/// Fan-out and publish: subscribers (possibly none) read a fresh stream from ID 0 while publishers POST to it, each on
/// its own keep-alive connection, paced to the offered rate or closed loop. When the time is up, subscribers are given
/// time to receive every acknowledged event, then each one's IDs are checked: 1, 2, 3, … with nothing missing or repeated.
/// </summary>
internal static class LoadRun
{
    public static async Task<BenchResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        using LatencyHistogram deliveryLatency = new();
        using LatencyHistogram publishLatency = new();
        SubscriberSet subscribers = await SubscriberSet.OpenAsync(settings.Server, settings.Stream, settings.Subscribers, lastEventId: 0, deliveryLatency, pooled: false, cancellationToken).ConfigureAwait(false);
        await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable disposeSubscribers = subscribers.ConfigureAwait(false);

        byte[] body = settings.Batch > 1
            ? Payload.Ndjson(Payload.Json(settings.PayloadBytes), settings.Batch)
            : Encoding.UTF8.GetBytes(Payload.Json(settings.PayloadBytes));
        string path = settings.Batch > 1 ? $"/streams/{settings.Stream}/batch" : $"/streams/{settings.Stream}";
        byte[] template = RawHttpConnection.BuildPost(settings.Server, path, body);
        int stampAt = settings.Batch > 1 ? -1 : template.AsSpan().IndexOf("\r\n\r\n"u8) + 4 + Payload.StampPrefix.Length;

        RawHttpConnection[] connections = await Task.WhenAll(Enumerable.Range(0, settings.Publishers)
            .Select(_ => RawHttpConnection.OpenAsync(settings.Server, cancellationToken))).ConfigureAwait(false);
        try
        {
            long published = 0;
            long lastAcknowledged = 0;
            long errors = 0;
            TimeSpan interval = settings.Rate > 0 ? TimeSpan.FromSeconds(settings.Publishers * settings.Batch / settings.Rate) : TimeSpan.Zero;
            Stopwatch clock = Stopwatch.StartNew();
            Task[] publishers = [.. connections.Select(connection => Task.Run(async () =>
            {
                byte[] request = (byte[])template.Clone();
                const long MaxRequestsPerPublisher = 100_000_000;
                for (long n = 0; n < MaxRequestsPerPublisher && clock.Elapsed < settings.Duration && !cancellationToken.IsCancellationRequested; n++)
                {
                    TimeSpan due = interval * n;
                    TimeSpan ahead = due - clock.Elapsed;
                    if (ahead > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(ahead, cancellationToken).ConfigureAwait(false);
                    }

                    long start = Stopwatch.GetTimestamp();
                    if (stampAt > 0)
                    {
                        Payload.Stamp(request, stampAt, start);
                    }

                    PublishAnswer answer = await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    publishLatency.RecordSince(start);
                    if (answer.Status is 200 or 201)
                    {
                        Interlocked.Add(ref published, settings.Batch);
                        InterlockedMax(ref lastAcknowledged, answer.Id);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }, CancellationToken.None))];
            try
            {
                await Task.WhenAll(publishers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: report what was measured so far.
            }

            TimeSpan publishTime = clock.Elapsed;
            await subscribers.DrainAsync(Interlocked.Read(ref lastAcknowledged), settings.Drain, cancellationToken).ConfigureAwait(false);
            TimeSpan total = settings.Subscribers > 0 ? clock.Elapsed : publishTime;
            long acknowledged = Interlocked.Read(ref lastAcknowledged);
            IReadOnlyList<SseSubscriber> all = subscribers.Subscribers;
            return new BenchResult
            {
                Settings = settings,
                Seconds = total.TotalSeconds,
                Connected = subscribers.Connected,
                Publishes = Interlocked.Read(ref published),
                PublishSeconds = publishTime.TotalSeconds,
                PublishErrors = Interlocked.Read(ref errors),
                Deliveries = all.Sum(s => s.Received),
                Latency = settings.Subscribers > 0 ? deliveryLatency.Snapshot() : publishLatency.Snapshot(),
                LatencyKind = settings.Subscribers > 0 ? "publish→receive" : "publish request",
                Missing = all.Sum(s => s.Missing + Math.Max(0, acknowledged - s.LastId)),
                Duplicates = all.Sum(s => s.Duplicates),
                OutOfOrder = all.Sum(s => s.OutOfOrder),
                Lagging = all.Count(s => s.LastId < acknowledged || s.Ended),
            };
        }
        finally
        {
            foreach (RawHttpConnection connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen = Volatile.Read(ref target);
        while (value > seen)
        {
            long previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
