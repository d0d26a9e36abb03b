using System.Diagnostics;
using System.Text;

namespace Herald.Bench.Run;

/// <summary>
/// Fan-out and publish: subscribers (possibly none) read fresh streams from ID 0 while publishers POST to them, each on
/// its own keep-alive connection, paced to the offered rate or closed loop, taking the streams in turn. A subscriber
/// follows every stream: one connection per stream, or one <c>GET /subscribe</c> connection for all of them
/// (<see cref="BenchSettings.Composite"/>). When the time is up, subscribers are given time to receive every acknowledged
/// event, then each one's IDs are checked per stream: 1, 2, 3, … with nothing missing or repeated.
/// </summary>
/// <remarks>
/// Given the server's PID, it reads the server's RSS before the subscribers connect, once they are connected and at the
/// end, and the server's CPU time from the first publish to the end of the drain: the cost of delivering, without the
/// cost of connecting (which differs by two orders of magnitude between 100 and 6,400 connections).
/// </remarks>
internal static class LoadRun
{
    public static async Task<BenchResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        using LatencyHistogram deliveryLatency = new();
        using LatencyHistogram publishLatency = new();
        int streamCount = settings.Streams;
        string[] streams = [.. Enumerable.Range(0, streamCount).Select(settings.StreamName)];
        long? rssBefore = ServerMemory.RssKiB(settings.ServerPid);
        SubscriberSet subscribers = settings.Composite
            ? await SubscriberSet.OpenAsync(settings.Subscribers, (_, token) => SseSubscriber.ConnectManyAsync(settings.Server, streams, fromStart: true, deliveryLatency, pooled: false, token), cancellationToken).ConfigureAwait(false)
            : await SubscriberSet.OpenAsync(settings.Connections, (n, token) => SseSubscriber.ConnectAsync(settings.Server, streams[n % streamCount], n % streamCount, lastEventId: 0, deliveryLatency, pooled: false, token), cancellationToken).ConfigureAwait(false);
        await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable disposeSubscribers = subscribers.ConfigureAwait(false);
        long? rssConnected = ServerMemory.RssKiB(settings.ServerPid);

        byte[] body = settings.Batch > 1
            ? Payload.Ndjson(Payload.Json(settings.PayloadBytes), settings.Batch)
            : Encoding.UTF8.GetBytes(Payload.Json(settings.PayloadBytes));
        byte[][] templates = [.. streams.Select(stream => RawHttpConnection.BuildPost(settings.Server, settings.Batch > 1 ? $"/streams/{stream}/batch" : $"/streams/{stream}", body))];
        int[] stampAt = [.. templates.Select(template => settings.Batch > 1 ? -1 : template.AsSpan().IndexOf("\r\n\r\n"u8) + 4 + Payload.StampPrefix.Length)];

        RawHttpConnection[] connections = await Task.WhenAll(Enumerable.Range(0, settings.Publishers)
            .Select(_ => RawHttpConnection.OpenAsync(settings.Server, cancellationToken))).ConfigureAwait(false);
        try
        {
            long published = 0;
            long[] lastAcknowledged = new long[streamCount];
            long errors = 0;
            long turn = -1;
            TimeSpan interval = settings.Rate > 0 ? TimeSpan.FromSeconds(settings.Publishers * settings.Batch / settings.Rate) : TimeSpan.Zero;
            double? serverCpuAtStart = ProcessCpu.Seconds(settings.ServerPid);
            Stopwatch clock = Stopwatch.StartNew();
            Task[] publishers = [.. connections.Select(connection => Task.Run(async () =>
            {
                byte[][] requests = [.. templates.Select(template => (byte[])template.Clone())];
                const long MaxRequestsPerPublisher = 100_000_000;
                for (long n = 0; n < MaxRequestsPerPublisher && clock.Elapsed < settings.Duration && !cancellationToken.IsCancellationRequested; n++)
                {
                    TimeSpan due = interval * n;
                    TimeSpan ahead = due - clock.Elapsed;
                    if (ahead > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(ahead, cancellationToken).ConfigureAwait(false);
                    }

                    // Round-robin over the streams across all publishers, so every stream gets the same share of the load.
                    int stream = (int)((ulong)Interlocked.Increment(ref turn) % (ulong)streamCount);
                    byte[] request = requests[stream];
                    long start = Stopwatch.GetTimestamp();
                    if (stampAt[stream] > 0)
                    {
                        Payload.Stamp(request, stampAt[stream], start);
                    }

                    PublishAnswer answer = await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    publishLatency.RecordSince(start);
                    if (answer.Status is 200 or 201)
                    {
                        Interlocked.Add(ref published, settings.Batch);
                        InterlockedMax(ref lastAcknowledged[stream], answer.Id);
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
            await subscribers.DrainAsync(lastAcknowledged, settings.Drain, cancellationToken).ConfigureAwait(false);
            TimeSpan total = settings.Subscribers > 0 ? clock.Elapsed : publishTime;
            double? serverCpuUnderLoad = ProcessCpu.Seconds(settings.ServerPid) - serverCpuAtStart;
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
                BytesReceived = all.Sum(s => s.BytesReceived),
                Latency = settings.Subscribers > 0 ? deliveryLatency.Snapshot() : publishLatency.Snapshot(),
                LatencyKind = settings.Subscribers > 0 ? "publish→receive" : "publish request",
                Missing = all.Sum(s => s.Missing + s.Behind(lastAcknowledged)),
                Duplicates = all.Sum(s => s.Duplicates),
                OutOfOrder = all.Sum(s => s.OutOfOrder),
                BadIds = all.Sum(s => s.BadIds),
                Lagging = all.Count(s => s.Behind(lastAcknowledged) > 0 || s.Ended),
                RssBeforeKiB = rssBefore,
                RssAfterKiB = rssConnected,
                RssEndKiB = ServerMemory.RssKiB(settings.ServerPid),
                ServerCpuSecondsUnderLoad = serverCpuUnderLoad,
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
