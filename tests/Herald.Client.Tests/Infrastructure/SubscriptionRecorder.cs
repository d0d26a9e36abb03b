using Herald.Testing.Infrastructure;

namespace Herald.Client.Tests.Infrastructure;

/// <summary>
/// Enumerates <see cref="HeraldClient.SubscribeAsync"/> in the background and keeps every item, with bounded waits that
/// fail with a message describing what did arrive.
/// </summary>
internal sealed class SubscriptionRecorder : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<HeraldItem> _items = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reader = Task.CompletedTask;
    private Exception? _error;

    private SubscriptionRecorder()
    {
    }

    public IReadOnlyList<HeraldItem> Items
    {
        get
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }
    }

    public IReadOnlyList<long> EventIds => [.. Items.OfType<HeraldEvent>().Select(e => e.Id)];

    public Exception? Error
    {
        get
        {
            lock (_lock)
            {
                return _error;
            }
        }
    }

    public static SubscriptionRecorder Start(HeraldClient client, string stream, long? lastEventId = null) =>
        Start(stop => client.SubscribeAsync(stream, lastEventId, stop));

    /// <summary>Records <paramref name="subscribe"/>'s items; the token it is given ends the subscription on dispose.</summary>
    public static SubscriptionRecorder Start(Func<CancellationToken, IAsyncEnumerable<HeraldItem>> subscribe)
    {
        SubscriptionRecorder recorder = new();
        recorder._reader = Task.Run(() => recorder.ReadAsync(subscribe));
        return recorder;
    }

    /// <summary>The events of <paramref name="stream"/>, in the order they arrived.</summary>
    public IReadOnlyList<HeraldEvent> EventsOf(string stream) => [.. Items.OfType<HeraldEvent>().Where(e => e.Stream == stream)];

    /// <summary>Waits until <paramref name="stream"/> has yielded an event with an ID of at least <paramref name="id"/>.</summary>
    public Task WaitForEventAsync(string stream, long id, TimeSpan? timeout = null) =>
        WaitForAsync(items => items.OfType<HeraldEvent>().Any(e => e.Stream == stream && e.Id >= id), $"an event of {stream} with id >= {id}", timeout);

    public Task WaitForEventAsync(long id, TimeSpan? timeout = null) =>
        WaitForAsync(items => items.OfType<HeraldEvent>().Any(e => e.Id >= id), $"an event with id >= {id}", timeout);

    /// <summary>Waits until <paramref name="condition"/> holds over the items so far; fails on timeout or if the subscription threw.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<HeraldItem>, bool> condition, string what, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TestTimeouts.Bulk;
        using CancellationTokenSource deadline = new(limit);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (condition(_items))
                {
                    return;
                }

                if (_error is not null)
                {
                    Assert.Fail($"The subscription threw while waiting for {what}: {_error}. {SummaryLocked()}");
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                lock (_lock)
                {
                    Assert.Fail($"Waited {limit} for {what}. {SummaryLocked()}");
                }
            }
        }
    }

    /// <summary>Waits for the subscription to throw (it never ends otherwise) and returns what it threw.</summary>
    public async Task<Exception> WaitForErrorAsync(TimeSpan? timeout = null)
    {
        await WaitForAsync(_ => Error is not null, "the subscription to throw", timeout).ConfigureAwait(false);
        return Error!;
    }

    /// <summary>Cancels the subscription and returns what the enumeration threw (it must be an OperationCanceledException).</summary>
    public async Task<Exception?> CancelAsync()
    {
        await _stop.CancelAsync();
        await _reader.WaitAsync(TestTimeouts.Frame);
        return Error;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reader.WaitAsync(TestTimeouts.Frame);
        }
        catch (TimeoutException)
        {
            // Reported by the test's own assertions, if it matters.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync(Func<CancellationToken, IAsyncEnumerable<HeraldItem>> subscribe)
    {
        try
        {
            await foreach (HeraldItem item in subscribe(_stop.Token))
            {
                lock (_lock)
                {
                    _items.Add(item);
                    Signal();
                }
            }

            lock (_lock)
            {
                _error = new InvalidOperationException("The subscription ended without an exception; it must never end by itself.");
                Signal();
            }
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _error = ex;
                Signal();
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private string SummaryLocked()
    {
        string last = string.Join("; ", _items.Skip(Math.Max(0, _items.Count - 5)));
        return $"Received {_items.Count} items; the last: {last}";
    }
}

internal static class Clients
{
    /// <summary>A client with short delays, so reconnects in tests take milliseconds rather than the server's 3 s <c>retry:</c>.</summary>
    public static HeraldClient Create(params Uri[] baseUrls) => new(Options(baseUrls));

    public static HeraldClientOptions Options(params Uri[] baseUrls) => new()
    {
        BaseUrls = baseUrls,
        MinReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        RequestTimeout = TestTimeouts.Frame,
    };

    /// <summary>A loopback port with nothing listening on it.</summary>
    public static Uri DeadAddress() => new($"http://127.0.0.1:{((System.Net.IPEndPoint)s_deadPort.Value.LocalEndPoint!).Port}/");

    // A port bound but never listened on, held for the test run: a connection to it is refused, and no server started
    // meanwhile (other test assemblies run beside this one) can take it, as it could a port found free and released.
    private static readonly Lazy<System.Net.Sockets.Socket> s_deadPort = new(() =>
    {
        System.Net.Sockets.Socket socket = new(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return socket;
    });
}
