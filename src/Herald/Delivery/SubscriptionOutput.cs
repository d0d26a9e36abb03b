using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Herald.Sse;

namespace Herald.Delivery;

/// <summary>
/// The response one subscription writes its frames to: one stream (<c>GET /streams/{name}</c>), whose frames carry plain
/// IDs, or several (<c>GET /subscribe</c>), whose cursors — one per stream — take turns on the response and whose frames
/// carry the whole composite cursor (docs/protocol.md "Subscribe to several streams"). It also holds what is per connection
/// rather than per stream: the <c>type=</c> filter, the time of the last write (heartbeats) and whether the response ended.
/// </summary>
/// <remarks>
/// A cursor takes a <see cref="Turn"/> (<see cref="EnterAsync"/>) before it writes and disposes it after its flush, and it sets its
/// <see cref="SubscriptionCursor.Position"/> only in between: a composite ID is rendered from every cursor's position, so the
/// positions must not move while another cursor writes. For one stream there is nobody to take turns with and entering
/// costs nothing.
/// <para>
/// Every frame goes through this writer (it is the <see cref="IBufferWriter{T}"/> control frames are written to as well):
/// it keeps the memory the response lends across frames and advances the response once per block it fills and once at
/// <see cref="FlushAsync"/>, instead of a <c>GetSpan</c> and an <c>Advance</c> per frame, each under Kestrel's response lock.
/// So nothing may write to the response's own writer while frames are pending here, and every write ends with
/// <see cref="FlushAsync"/> with no await in between (the first flush also starts the response).
/// </para>
/// </remarks>
internal sealed class SubscriptionOutput : IBufferWriter<byte>
{
    private readonly PipeWriter _pipe;
    private readonly EventTypeFilter? _filter;
    private readonly SemaphoreSlim? _turn;
    private SubscriptionCursor[]? _cursors;
    private byte[][]? _pairPrefixes; // "orders:", ",prices:", …: the composite ID's fixed bytes, in subscription order
    private long _lastWrite;
    private bool _ended;
    private Memory<byte> _lent; // what the response last lent (GetMemory), of which _filled bytes hold frames not yet advanced
    private int _filled;

    private SubscriptionOutput(PipeWriter pipe, EventTypeFilter? filter, bool shared, long now)
    {
        _pipe = pipe;
        _filter = filter;
        _turn = shared ? new SemaphoreSlim(1, 1) : null;
        _lastWrite = now;
    }

    /// <summary>The response of a subscription to one stream.</summary>
    public static SubscriptionOutput ForOneStream(PipeWriter pipe, EventTypeFilter? filter, long now) => new(pipe, filter, shared: false, now);

    /// <summary>The response of a subscription to several streams; <see cref="Follow"/> names its cursors before they run.</summary>
    public static SubscriptionOutput ForSeveralStreams(PipeWriter pipe, EventTypeFilter? filter, long now) => new(pipe, filter, shared: true, now);

    /// <summary>Whether frames name their stream (a connection to several streams).</summary>
    public bool NamesStreams => _turn is not null;

    /// <summary>When this response was last flushed, as a <see cref="TimeProvider.GetTimestamp"/> value.</summary>
    public long LastWrite => Volatile.Read(ref _lastWrite);

    /// <summary>The cursors of a connection to several streams, in the order of its <c>stream</c> parameters: the composite ID's order.</summary>
    public void Follow(IReadOnlyList<SubscriptionCursor> cursors)
    {
        _cursors = [.. cursors];
        _pairPrefixes = new byte[cursors.Count][];
        for (int i = 0; i < cursors.Count; i++)
        {
            _pairPrefixes[i] = Encoding.ASCII.GetBytes((i == 0 ? string.Empty : ",") + cursors[i].Stream + ":");
        }
    }

    /// <summary>
    /// Waits for this cursor's turn on the response; the turn is <see cref="Turn.Open"/> unless the response has ended
    /// (shutdown, client gone). Dispose it after the flush.
    /// </summary>
    public ValueTask<Turn> EnterAsync(CancellationToken aborted)
    {
        if (_turn is null)
        {
            return ValueTask.FromResult(new Turn(null, !_ended));
        }

        Task entering = _turn.WaitAsync(aborted);
        return entering.IsCompletedSuccessfully ? ValueTask.FromResult(Entered()) : AwaitTurnAsync(entering);
    }

    /// <summary>Whether the subscription's <c>type=</c> filter lets an event of <paramref name="eventType"/> through.</summary>
    public bool Wants(string? eventType) => _filter is null || _filter.Matches(eventType);

    /// <summary>An event from the hot tail, whose encoded frame every subscriber shares; the cursor's position is already its ID.</summary>
    public void WriteEvent(EncodedEvent e)
    {
        byte[] frame = e.Frame;
        if (_cursors is null)
        {
            this.Write(frame);
            return;
        }

        WriteCompositeIdField();
        this.Write(frame.AsSpan(EventFrame.IdFieldLength(e.Id)));
    }

    /// <summary>An event read from the store, encoded straight into the response; the cursor's position is already its ID.</summary>
    public void WriteEvent(StoredEvent e)
    {
        if (_cursors is null)
        {
            EventFrame.Write(this, e.Id, e.EventType, e.Data.Span);
            return;
        }

        WriteCompositeIdField();
        EventFrame.WriteAfterId(this, e.EventType, e.Data.Span);
    }

    /// <summary>Moves the client's cursor to <paramref name="cursor"/>'s position past events the filter skipped (docs/protocol.md).</summary>
    public void WriteIdOnly(SubscriptionCursor cursor)
    {
        if (_cursors is null)
        {
            EventFrame.WriteIdOnly(this, cursor.Position);
            return;
        }

        WriteCompositeIdField();
        this.Write("\n\n"u8);
    }

    public void WriteHeartbeat() => this.Write(EventFrame.Heartbeat);

    /// <summary>Sends what was written; false when the client is gone (the response is over for every cursor).</summary>
    public async ValueTask<bool> FlushAsync(TimeProvider clock, CancellationToken aborted)
    {
        Commit();
        FlushResult result = await _pipe.FlushAsync(aborted).ConfigureAwait(false);
        Volatile.Write(ref _lastWrite, clock.GetTimestamp());
        if (result.IsCompleted || result.IsCanceled)
        {
            _ended = true;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Ends the response for a shutdown (docs/protocol.md "Operations"), once: a randomized <c>retry:</c> spreads the reconnects
    /// of every client of this node over time. Call it between enter and exit.
    /// </summary>
    public async ValueTask EndForShutdownAsync(TimeSpan retry, CancellationToken aborted)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        int milliseconds = Random.Shared.Next((int)retry.TotalMilliseconds, (int)retry.TotalMilliseconds + 5000);
        EventFrame.WriteRetry(this, milliseconds);
        Commit();
        await _pipe.FlushAsync(aborted).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _lent.Length - _filled);
        _filled += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0) => Lend(sizeHint);

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0) => Lend(sizeHint).Span;

    // The rest of what the response lent, if sizeHint fits; else the frames so far are advanced and the response lends
    // anew (the rest of its current block when that holds sizeHint, so consecutive small frames share a block).
    private Memory<byte> Lend(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        int needed = Math.Max(sizeHint, 1);
        if (_lent.Length - _filled < needed)
        {
            Commit();
            _lent = _pipe.GetMemory(needed);
            if (_lent.Length < needed)
            {
                throw new InvalidOperationException($"The response lent {_lent.Length} bytes where {needed} were asked for.");
            }
        }

        return _lent[_filled..];
    }

    private void Commit()
    {
        if (_filled > 0)
        {
            _pipe.Advance(_filled);
        }

        _lent = default;
        _filled = 0;
    }

    private async ValueTask<Turn> AwaitTurnAsync(Task entering)
    {
        await entering.ConfigureAwait(false);
        return Entered();
    }

    private Turn Entered()
    {
        if (!_ended)
        {
            return new Turn(_turn, open: true);
        }

        _turn!.Release();
        return new Turn(null, open: false);
    }

    // "id: orders:42,prices:17" without its line break: every pair's current position, one of which just moved by one.
    private void WriteCompositeIdField()
    {
        SubscriptionCursor[] cursors = _cursors!;
        byte[][] prefixes = _pairPrefixes!;
        int size = "id: ".Length;
        for (int i = 0; i < prefixes.Length; i++)
        {
            size += prefixes[i].Length + 19;
        }

        Span<byte> span = GetSpan(size);
        "id: "u8.CopyTo(span);
        int at = "id: ".Length;
        for (int i = 0; i < cursors.Length; i++)
        {
            prefixes[i].CopyTo(span[at..]);
            at += prefixes[i].Length;
            cursors[i].Position.TryFormat(span[at..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
            at += digits;
        }

        Advance(at);
    }

    /// <summary>A cursor's turn on the response: write only while <see cref="Open"/>; disposing it lets the next cursor write.</summary>
    internal readonly struct Turn(SemaphoreSlim? held, bool open) : IDisposable
    {
        /// <summary>Whether the response is still open for this cursor's frames.</summary>
        public bool Open => open;

        public void Dispose() => held?.Release();
    }
}
