using Herald.Hosting;
using Herald.Sse;

namespace Herald.Delivery;

/// <summary>
/// One SSE connection as a cursor: "the last ID written to this socket" (docs/design.md). Replay and live are the same
/// loop, so there is no seam between them: read after the cursor (hot tail, else store), write, flush, move the cursor;
/// when there is nothing to read, wait for the stream's next wake-up. A connection to several streams runs one cursor per
/// stream on a shared <see cref="SubscriptionOutput"/>, which gives them turns on the response and renders the composite ID.
/// </summary>
internal sealed class SubscriptionCursor
{
    // Bounds one coalesced write: large enough to amortize a flush, small enough to keep the pipe's memory in check.
    private const int MaxEventsPerFlush = 1000;
    private const int MaxBytesPerFlush = 256 * 1024;
    private const int StorePageSize = 1000;
    private const int CursorPageBytes = 1024 * 1024;

    private readonly SubscriptionHub _hub;
    private readonly IEventLog _log;
    private readonly StreamState _state;
    private readonly SubscriptionOutput _output;
    private readonly HeraldMetrics _metrics;
    private readonly TimeSpan _heartbeatDue;
    private readonly TimeSpan _retry;
    private readonly long _maxPageBytes;
    private readonly List<EncodedEvent> _batch = [];

    public SubscriptionCursor(SubscriptionHub hub, IEventLog log, StreamState state, SubscriptionOutput output, HeraldMetrics metrics, HeraldOptions options, long position)
    {
        _hub = hub;
        _log = log;
        _state = state;
        _output = output;
        _metrics = metrics;
        _heartbeatDue = options.Heartbeat * 3 / 4;
        _retry = options.Retry;
        // A cursor catches up in pages of at most 1 MiB of data (less when MaxPageBytes says so): enough to keep the socket
        // busy between reads, little to hold per slow subscriber. With 200-byte events the 1,000-event cap comes first.
        _maxPageBytes = Math.Min(options.MaxPageBytes, CursorPageBytes);
        Position = position;
    }

    /// <summary>The stream this cursor reads.</summary>
    public string Stream => _state.Name;

    /// <summary>
    /// The last ID written to the client (or passed by an id-only frame). Moves only during the cursor's turn on the output,
    /// where the composite ID of a connection to several streams reads it.
    /// </summary>
    public long Position { get; private set; }

    /// <summary>The stream's last ID when the subscription started: what a replaying cursor is behind, before any new append.</summary>
    public long StreamLastAtStart { get; init; }

    /// <summary>
    /// Starts at the stream's last ID (no position was given): nothing in the store is after it that the hot tail will not
    /// be told of, so the first pass reads the tail, and the store only when the tail cannot serve (see <see cref="RunCoreAsync"/>).
    /// </summary>
    public bool StartsLive { get; init; }

    /// <summary>The store's epoch this cursor's positions belong to (the one its <c>hello</c> named).</summary>
    public required string Epoch { get; set; }

    public async Task RunAsync(CancellationToken aborted)
    {
        _state.AddCursor(this);
        using WakeWaiter waiter = new(aborted);
        try
        {
            await RunCoreAsync(waiter, aborted).ConfigureAwait(false);
        }
        finally
        {
            _state.RemoveCursor(this);
        }
    }

    private async Task RunCoreAsync(WakeWaiter waiter, CancellationToken aborted)
    {
        TimeProvider clock = _hub.TimeProvider;
        // The first pass asks the store, since the hot tail only knows what came after it was created; except for a cursor
        // that starts live: every append after its start is reported to the tail, and when the tail no longer holds what
        // follows the cursor (or never did, for appends a distributed store's feed skipped while starting), the stream's
        // known last is ahead of the cursor and the store is read below.
        bool readStore = !StartsLive;
        int passes = 0; // since the last wait

        while (!aborted.IsCancellationRequested)
        {
            passes++;

            // The wake-up first, then the stopping flag: Stop sets the flag before it wakes everyone, so a cursor either
            // sees the flag here or holds a wake-up that Stop completes; it cannot sleep through a shutdown.
            long wakes = _state.Wakes;
            if (_hub.IsStopping)
            {
                using SubscriptionOutput.Turn turn = await _output.EnterAsync(aborted).ConfigureAwait(false);
                if (turn.Open)
                {
                    await _output.EndForShutdownAsync(_retry, aborted).ConfigureAwait(false);
                }

                return;
            }

            string epoch = _log.Epoch;
            if (!ReferenceEquals(epoch, Epoch) && !string.Equals(epoch, Epoch, StringComparison.Ordinal))
            {
                if (!await ResetAsync(epoch, clock, aborted).ConfigureAwait(false))
                {
                    return;
                }

                readStore = true;
                continue;
            }

            _batch.Clear();
            if (_state.Tail.TryRead(Position, MaxEventsPerFlush, MaxBytesPerFlush, _batch))
            {
                await YieldIfNotFirstAsync(passes).ConfigureAwait(false);
                if (!await WriteFromTailAsync(clock, aborted).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (readStore || _state.KnownLast > Position)
            {
                // Bounded in bytes as well as events: with 1 MiB events a page of 1,000 would hold a gigabyte per slow reader.
                await YieldIfNotFirstAsync(passes).ConfigureAwait(false);
                IReadOnlyList<StoredEvent> events = await _log.ReadAsync(_state.Name, Position, StorePageSize, _maxPageBytes, aborted).ConfigureAwait(false);
                if (events.Count > 0)
                {
                    if (!await WriteFromStoreAsync(events, clock, aborted).ConfigureAwait(false))
                    {
                        return;
                    }

                    readStore = true;
                    continue;
                }

                readStore = false;
            }

            if (clock.GetElapsedTime(_output.LastWrite) >= _heartbeatDue && !await WriteHeartbeatAsync(clock, aborted).ConfigureAwait(false))
            {
                return;
            }

            // A disconnect ends this cursor's wait alone (OperationCanceledException, which the endpoint expects), rather
            // than waking every cursor of the stream: O(1) per disconnect, not O(subscribers).
            await _state.WaitForWakeAsync(waiter, wakes).ConfigureAwait(false);
            passes = 0;
        }
    }

    /// <summary>
    /// A wake-up runs this cursor on the thread that delivers it, among up to 127 others (<see cref="WakeDispatch"/>): one
    /// pass with something to write there; any further one (more events came meanwhile, a catch-up's next page) is queued
    /// behind everyone else. The pass that only finds nothing left costs no hop.
    /// </summary>
    private static async ValueTask YieldIfNotFirstAsync(int passes)
    {
        if (passes > 1)
        {
            await Task.Yield();
        }
    }

    private async ValueTask<bool> WriteFromTailAsync(TimeProvider clock, CancellationToken aborted)
    {
        int written = 0;
        bool open;
        using (SubscriptionOutput.Turn turn = await _output.EnterAsync(aborted).ConfigureAwait(false))
        {
            if (!turn.Open)
            {
                return false;
            }

            bool skipped = false; // the filter passed over the last event: an id-only frame is owed
            foreach (EncodedEvent e in _batch)
            {
                Position = e.Id;
                skipped = !_output.Wants(e.EventType);
                if (!skipped)
                {
                    _output.WriteEvent(e);
                    written++;
                }
            }

            if (skipped)
            {
                _output.WriteIdOnly(this);
            }

            open = await _output.FlushAsync(clock, aborted).ConfigureAwait(false);
        }

        // One observation per flush, of its oldest event: the worst lag in the batch, at a cost that does not grow with fan-out.
        _metrics.DeliveryLag.Record(clock.GetElapsedTime(_batch[0].CommittedTimestamp).TotalSeconds);
        _metrics.EventsDelivered.Add(written);
        return open;
    }

    private async ValueTask<bool> WriteFromStoreAsync(IReadOnlyList<StoredEvent> events, TimeProvider clock, CancellationToken aborted)
    {
        using SubscriptionOutput.Turn turn = await _output.EnterAsync(aborted).ConfigureAwait(false);
        if (!turn.Open)
        {
            return false;
        }

        long first = events[0].Id;
        if (first > Position + 1)
        {
            // docs/protocol.md "Subscribe": history was trimmed past this cursor; say so instead of skipping silently. The
            // replay starts after F - 1, so the next event moves a composite ID's pair by exactly one.
            ControlFrames.WriteGap(_output, _output.NamesStreams ? Stream : null, Position, first);
            Position = first - 1;
            _metrics.GapFrames.Add(1);
        }

        // Flushed every MaxBytesPerFlush: the pipe applies backpressure only at a flush, so a page written whole would sit in
        // memory as long as a slow client takes to read it.
        long unflushed = 0;
        int written = 0;
        bool skipped = false; // the filter passed over events since the last frame written: an id-only frame is owed
        foreach (StoredEvent e in events)
        {
            Position = e.Id;
            skipped = !_output.Wants(e.EventType);
            if (!skipped)
            {
                _output.WriteEvent(e);
                written++;
            }

            unflushed += e.Data.Length;
            if (unflushed >= MaxBytesPerFlush)
            {
                if (skipped)
                {
                    _output.WriteIdOnly(this);
                    skipped = false;
                }

                unflushed = 0;
                _metrics.EventsDelivered.Add(written);
                written = 0;
                if (!await _output.FlushAsync(clock, aborted).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }

        if (skipped)
        {
            _output.WriteIdOnly(this);
        }

        _metrics.EventsDelivered.Add(written);
        return await _output.FlushAsync(clock, aborted).ConfigureAwait(false);
    }

    private async ValueTask<bool> WriteHeartbeatAsync(TimeProvider clock, CancellationToken aborted)
    {
        using SubscriptionOutput.Turn turn = await _output.EnterAsync(aborted).ConfigureAwait(false);
        if (!turn.Open)
        {
            return false;
        }

        // Checked again in this turn: of the cursors of a connection to several streams woken by one tick, one writes it.
        if (clock.GetElapsedTime(_output.LastWrite) < _heartbeatDue)
        {
            return true;
        }

        _output.WriteHeartbeat();
        return await _output.FlushAsync(clock, aborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The store moved to a new epoch while this subscription was open (a distributed store found that Redis lost
    /// writes): the client's position may name events that are gone, so it gets <c>reset</c> (docs/protocol.md) and every retained
    /// event, as a client resuming with the old epoch would.
    /// </summary>
    private async ValueTask<bool> ResetAsync(string epoch, TimeProvider clock, CancellationToken aborted)
    {
        _state.EnsureEpoch(epoch);
        StreamInfo info = await _log.GetInfoAsync(_state.Name, aborted).ConfigureAwait(false);
        using SubscriptionOutput.Turn turn = await _output.EnterAsync(aborted).ConfigureAwait(false);
        if (!turn.Open)
        {
            return false;
        }

        ControlFrames.WriteReset(_output, _output.NamesStreams ? Stream : null, Position, info.Last, epoch);
        _metrics.ResetFrames.Add(1);
        Position = (info.First ?? (info.Last + 1)) - 1;
        Epoch = epoch;
        if (_output.NamesStreams)
        {
            // Several streams reset by one epoch change: an id-only frame says where each continues (see SubscribeManyEndpoint).
            _output.WriteIdOnly(this);
        }

        return await _output.FlushAsync(clock, aborted).ConfigureAwait(false);
    }
}
