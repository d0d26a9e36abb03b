namespace Herald.Bench.Run;

/// <summary>
/// Many subscribers opened a few hundred at a time (so the server's accept backlog never overflows), each with one
/// reader task; disposing stops the readers and closes the sockets.
/// </summary>
internal sealed class SubscriberSet : IAsyncDisposable
{
    private const int ConnectConcurrency = 200;

    private readonly CancellationTokenSource _stop;
    private readonly List<SseSubscriber> _subscribers = [];
    private readonly List<Task> _readers = [];

    private SubscriberSet(CancellationToken cancellationToken) => _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

    public IReadOnlyList<SseSubscriber> Subscribers => _subscribers;

    /// <summary>How many subscribers have been answered 200 (failed ones are not counted and do not stop the run).</summary>
    public int Connected { get; private set; }

    /// <summary>Opens <paramref name="count"/> subscribers to one stream.</summary>
    public static Task<SubscriberSet> OpenAsync(Uri server, string stream, int count, long? lastEventId, LatencyHistogram? latency, bool pooled, CancellationToken cancellationToken) =>
        OpenAsync(count, (_, token) => SseSubscriber.ConnectAsync(server, stream, streamIndex: 0, lastEventId, latency, pooled, token), cancellationToken);

    /// <summary>Opens <paramref name="count"/> subscribers, the n-th one by <paramref name="connect"/>(n).</summary>
    public static async Task<SubscriberSet> OpenAsync(int count, Func<int, CancellationToken, Task<SseSubscriber>> connect, CancellationToken cancellationToken)
    {
        SubscriberSet set = new(cancellationToken);
        using SemaphoreSlim gate = new(ConnectConcurrency);
        object sync = new();
        await Task.WhenAll(Enumerable.Range(0, count).Select(async n =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                SseSubscriber subscriber = await connect(n, cancellationToken).ConfigureAwait(false);
                TaskCompletionSource headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
                Task reader = Task.Run(() => subscriber.ReadAsync(headers, set._stop.Token), CancellationToken.None);
                lock (sync)
                {
                    set._subscribers.Add(subscriber);
                    set._readers.Add(reader);
                }

                await headers.Task.ConfigureAwait(false);
                lock (sync)
                {
                    set.Connected++;
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                // Counted as not connected; the report shows connected < subscribers and the run is not exact.
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return set;
    }

    /// <summary>
    /// Waits until every subscriber has received every acknowledged event (<paramref name="acknowledged"/>: the last ID of
    /// each of the run's streams), or has ended, or time is up.
    /// </summary>
    public async Task DrainAsync(IReadOnlyList<long> acknowledged, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested && _subscribers.Any(s => s.Behind(acknowledged) > 0 && !s.Ended))
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (SseSubscriber subscriber in _subscribers)
        {
            subscriber.Dispose();
        }

        await Task.WhenAll(_readers).ConfigureAwait(false);
        _stop.Dispose();
    }
}
