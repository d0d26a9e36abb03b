using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text;

namespace Herald.Testing.Infrastructure;

/// <summary>One item as <see cref="SseParser"/> dispatched it. <see cref="Id"/> is null for frames without <c>id:</c>.</summary>
internal sealed record SseEvent(string? Id, string Type, string Data)
{
    public long NumericId => long.Parse(Id ?? throw new InvalidOperationException($"The '{Type}' frame has no id."), CultureInfo.InvariantCulture);

    public override string ToString() => $"[{Type}] id={Id ?? "-"} data={(Data.Length > 60 ? Data[..60] + "…" : Data)}";
}

/// <summary>
/// An SSE subscription over HttpClient, parsed by <see cref="SseParser"/> in the background. It keeps every item and the
/// raw bytes, can stop reading (<see cref="Pause"/>) to play a slow client, and offers bounded waits that fail with a
/// message describing what did arrive.
/// </summary>
internal sealed class SseClient : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<SseEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly GatedRecordingStream _body;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ended;
    private Exception? _error;
    private Task _reader = Task.CompletedTask;

    private SseClient(HttpResponseMessage response, Stream body, string description)
    {
        Response = response;
        Description = description;
        _body = new GatedRecordingStream(body, OnBytes);
    }

    public HttpResponseMessage Response { get; }

    public string Description { get; }

    public IReadOnlyList<SseEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The events that carry an ID (everything but hello, gap and reset).</summary>
    public IReadOnlyList<SseEvent> IdentifiedEvents => [.. Events.Where(e => e.Id is not null)];

    public byte[] RawBytes => _body.Recorded;

    public string RawText => Encoding.UTF8.GetString(RawBytes);

    /// <summary>Whether the response body ended without an error (the server finished it on a frame boundary).</summary>
    public bool EndedCleanly
    {
        get
        {
            lock (_lock)
            {
                return _ended && _error is null;
            }
        }
    }

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

    /// <summary>
    /// Opens <c>GET <paramref name="pathAndQuery"/></c>, expects 200 and starts parsing. Fails with the problem body otherwise.
    /// </summary>
    public static async Task<SseClient> ConnectAsync(HttpClient http, string pathAndQuery, string? lastEventId = null, Action<HttpRequestMessage>? configure = null)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, pathAndQuery);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        configure?.Invoke(request);
        HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            Assert.Fail($"GET {pathAndQuery} (Last-Event-ID {lastEventId ?? "none"}): expected 200, got {(int)response.StatusCode}: {body}");
        }

        Stream stream = await response.Content.ReadAsStreamAsync();
        SseClient client = new(response, stream, $"GET {pathAndQuery} (Last-Event-ID {lastEventId ?? "none"})");
        client._reader = Task.Run(client.ReadAsync);
        return client;
    }

    /// <summary>Stops reading from the socket (after any read already in flight), so the server's writes back up.</summary>
    public void Pause() => _body.Pause();

    public void Resume() => _body.Resume();

    public Task<SseEvent> WaitForIdAsync(long id, TimeSpan? timeout = null) =>
        WaitForAsync(e => e.Id is not null && e.NumericId >= id, timeout, $"an event with id >= {id}");

    public Task<SseEvent> WaitForTypeAsync(string type, TimeSpan? timeout = null) =>
        WaitForAsync(e => e.Type == type, timeout, $"an '{type}' frame");

    /// <summary>Waits for the first item (already received or still to come) that matches.</summary>
    public async Task<SseEvent> WaitForAsync(Func<SseEvent, bool> match, TimeSpan? timeout, string what)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Frame);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                SseEvent? found = _events.FirstOrDefault(match);
                if (found is not null)
                {
                    return found;
                }

                if (_ended)
                {
                    Assert.Fail($"{Description}: the stream ended ({_error?.GetType().Name ?? "cleanly"}) before {what}. {Summary()}");
                }

                changed = _changed.Task;
            }

            TimeSpan remaining = deadline - DateTime.UtcNow;
            try
            {
                await changed.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            }
            catch (TimeoutException)
            {
                lock (_lock)
                {
                    Assert.Fail($"{Description}: no {what} within {timeout ?? TestTimeouts.Frame}. {Summary()}");
                }
            }
        }
    }

    /// <summary>Waits until the raw bytes received so far satisfy <paramref name="match"/> (e.g. a heartbeat comment, which is no item).</summary>
    public async Task WaitForRawAsync(Func<string, bool> match, TimeSpan? timeout, string what)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Frame);
        while (true)
        {
            Task changed;
            bool ended;
            lock (_lock)
            {
                changed = _changed.Task;
                ended = _ended;
            }

            if (match(RawText))
            {
                return;
            }

            Assert.False(ended, $"{Description}: the stream ended before {what}. {SummaryLocked()}");
            TimeSpan remaining = deadline - DateTime.UtcNow;
            try
            {
                await changed.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{Description}: no {what} within {timeout ?? TestTimeouts.Frame}. {SummaryLocked()}");
            }
        }
    }

    /// <summary>Waits for the server to end the response; returns whether it ended cleanly.</summary>
    public async Task<bool> WaitForEndAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _reader.WaitAsync(timeout ?? TestTimeouts.Frame);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Description}: the response did not end within {timeout ?? TestTimeouts.Frame}. {SummaryLocked()}");
        }

        return EndedCleanly;
    }

    public async ValueTask DisposeAsync()
    {
        _body.Resume();
        await _stop.CancelAsync();
        Response.Dispose();
        try
        {
            await _reader.WaitAsync(TestTimeouts.Frame);
        }
        catch (TimeoutException)
        {
            // The reader is stuck in a read the disposed response should have ended; nothing more to release.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        Exception? error = null;
        try
        {
            SseParser<string> parser = SseParser.Create(_body, static (_, data) => Encoding.UTF8.GetString(data));
            await foreach (SseItem<string> item in parser.EnumerateAsync(_stop.Token))
            {
                lock (_lock)
                {
                    _events.Add(new SseEvent(item.EventId, item.EventType, item.Data));
                    SignalLocked();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException)
        {
            error = ex;
        }

        lock (_lock)
        {
            _ended = true;
            _error = error;
            SignalLocked();
        }
    }

    private void OnBytes()
    {
        lock (_lock)
        {
            SignalLocked();
        }
    }

    private void SignalLocked()
    {
        TaskCompletionSource changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private string SummaryLocked()
    {
        lock (_lock)
        {
            return Summary();
        }
    }

    private string Summary()
    {
        string last = string.Join("; ", _events.Skip(Math.Max(0, _events.Count - 5)));
        return $"Received {_events.Count} items; the last: {last}";
    }

    /// <summary>Passes reads through, keeps a copy of every byte, and can hold reads back.</summary>
    private sealed class GatedRecordingStream : Stream
    {
        private readonly Stream _inner;
        private readonly Action _onBytes;
        private readonly MemoryStream _recorded = new();
        private readonly Lock _lock = new();
        private TaskCompletionSource _open = Opened();

        public GatedRecordingStream(Stream inner, Action onBytes)
        {
            _inner = inner;
            _onBytes = onBytes;
        }

        public byte[] Recorded
        {
            get
            {
                lock (_lock)
                {
                    return _recorded.ToArray();
                }
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Pause()
        {
            lock (_lock)
            {
                if (_open.Task.IsCompleted)
                {
                    _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        public void Resume()
        {
            lock (_lock)
            {
                _open.TrySetResult();
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Task open;
            lock (_lock)
            {
                open = _open.Task;
            }

            await open.WaitAsync(cancellationToken);
            int read = await _inner.ReadAsync(buffer, cancellationToken);
            lock (_lock)
            {
                _recorded.Write(buffer.Span[..read]);
            }

            _onBytes();
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                _recorded.Dispose();
            }

            base.Dispose(disposing);
        }

        private static TaskCompletionSource Opened()
        {
            TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }
}

internal static class SequenceAssert
{
    /// <summary>Asserts that <paramref name="ids"/> is exactly <paramref name="from"/>, from + 1, …, <paramref name="to"/>.</summary>
    public static void Contiguous(IReadOnlyList<long> ids, long from, long to, string who)
    {
        long expected = from;
        for (int i = 0; i < ids.Count; i++, expected++)
        {
            if (ids[i] != expected)
            {
                string kind = ids[i] < expected ? "a duplicate or out-of-order id" : "a gap";
                Assert.Fail($"{who}: {kind} at position {i}: expected {expected}, got {ids[i]} (preceded by {(i > 0 ? ids[i - 1] : from - 1)}).");
            }
        }

        Assert.True(expected == to + 1, $"{who}: expected ids {from}..{to}, got {ids.Count} ending at {(ids.Count > 0 ? ids[^1] : from - 1)}.");
    }
}
