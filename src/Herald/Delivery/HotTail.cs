using Herald.Sse;

namespace Herald.Delivery;

/// <summary>
/// A ring of a stream's most recently appended events, encoded once. Live delivery and short catch-ups read it instead
/// of the store. One writer (the store's commit notification, in ID order), many lock-free readers: a reader checks each
/// slot's ID, so a slot overwritten under it is seen as a miss and the reader falls back to the store.
/// </summary>
/// <remarks>
/// Bounded twice (docs/protocol.md "Limits"): by count (the ring's slots) and by the bytes of the frames it holds. With 1 MiB
/// events a count bound alone would hold gigabytes per stream; the byte bound drops the oldest frames first, always
/// keeping the newest one, and readers that need what was dropped read the store.
/// </remarks>
internal sealed class HotTail
{
    // A stream's ring starts small and doubles up to its capacity as events arrive: a stream per user mostly holds a
    // few events, and a 4,096-slot array allocated up front cost 32 KiB per subscribed stream whatever it held.
    private const int InitialSlots = 16;

    private readonly int _capacity;
    private readonly long _maxBytes;
    private EncodedEvent?[] _ring; // replaced, never resized in place: a reader keeps the array it started with
    private long _first; // first ID held, 0 when empty
    private long _last;  // last ID held
    private long _bytes; // frame bytes from _first to _last (writer only)

    public HotTail(int capacity, long maxBytes = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _ring = new EncodedEvent?[Math.Min(_capacity, InitialSlots)];
        _maxBytes = maxBytes;
    }

    /// <summary>How many events the ring holds at most.</summary>
    public int Capacity => _capacity;

    /// <summary>The slots allocated now (they grow with what the stream holds, up to <see cref="Capacity"/>).</summary>
    public int AllocatedSlots => Volatile.Read(ref _ring).Length;

    /// <summary>How many bytes of frames the ring holds at most (beyond that only the newest frame).</summary>
    public long MaxBytes => _maxBytes;

    /// <summary>The bytes of the frames held now (the writer's view).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public long Last => Volatile.Read(ref _last);

    /// <summary>Adds events that follow on from what the ring holds; anything else (a first fill, a hole) restarts the ring.</summary>
    public void Append(EncodedEvent encoded)
    {
        EncodedEvent?[] ring = _ring;
        int mask = ring.Length - 1;
        long last = _last;
        if (last == 0 || encoded.Id != last + 1)
        {
            // Readers check slot IDs, so emptying first keeps them from mixing the old run with the new one.
            Volatile.Write(ref _first, 0);
            Volatile.Write(ref _last, 0);
            Array.Clear(ring); // drop the old run's frames: their bytes are no longer counted
            Volatile.Write(ref ring[encoded.Id & mask], encoded);
            Volatile.Write(ref _bytes, encoded.FrameLength);
            Volatile.Write(ref _first, encoded.Id);
            Volatile.Write(ref _last, encoded.Id);
            return;
        }

        long first = _first;
        if (encoded.Id - first >= ring.Length)
        {
            if (ring.Length < _capacity)
            {
                ring = Grow(ring, first, last);
                mask = ring.Length - 1;
            }
            else
            {
                // The slot about to be reused holds the oldest frame: it leaves the ring.
                _bytes -= ring[first & mask]?.FrameLength ?? 0;
                first++;
                Volatile.Write(ref _first, first);
            }
        }

        Volatile.Write(ref ring[encoded.Id & mask], encoded);
        _bytes += encoded.FrameLength;
        Volatile.Write(ref _last, encoded.Id);

        // Then by bytes: drop the oldest frames (never the newest) until the rest fits.
        while (_bytes > _maxBytes && first < encoded.Id)
        {
            ref EncodedEvent? oldest = ref ring[first & mask];
            _bytes -= oldest?.FrameLength ?? 0;
            first++;
            Volatile.Write(ref _first, first); // readers see the new first before the slot is emptied
            Volatile.Write(ref oldest, null);
        }

        Volatile.Write(ref _bytes, _bytes);
    }

    /// <summary>
    /// Twice the slots, holding the same run; published only once filled, so a reader sees either the old array (whose
    /// slots the writer no longer touches) or the complete new one.
    /// </summary>
    private EncodedEvent?[] Grow(EncodedEvent?[] ring, long first, long last)
    {
        EncodedEvent?[] grown = new EncodedEvent?[ring.Length * 2];
        int oldMask = ring.Length - 1;
        int newMask = grown.Length - 1;
        for (long id = first; id <= last; id++)
        {
            grown[id & newMask] = ring[id & oldMask];
        }

        Volatile.Write(ref _ring, grown);
        return grown;
    }

    /// <summary>
    /// Adds to <paramref name="into"/> the events after <paramref name="after"/>, up to <paramref name="max"/> of them, stopping
    /// once <paramref name="maxBytes"/> of frames is reached (the event that crosses it is included, so one always fits),
    /// but only when the ring holds the very next one (<paramref name="after"/> + 1).
    /// Returns false when it does not: the caller then reads the store.
    /// </summary>
    public bool TryRead(long after, int max, int maxBytes, List<EncodedEvent> into)
    {
        long first = Volatile.Read(ref _first);
        long last = Volatile.Read(ref _last);
        if (first == 0 || after + 1 < first || after >= last)
        {
            return false;
        }

        EncodedEvent?[] ring = Volatile.Read(ref _ring);
        int mask = ring.Length - 1;
        int added = 0;
        int bytes = 0;
        for (long id = after + 1; id <= last && added < max && bytes < maxBytes; id++)
        {
            EncodedEvent? e = Volatile.Read(ref ring[id & mask]);
            if (e is null || e.Id != id)
            {
                break; // overwritten by a newer lap, or filed in a grown array: serve what we have, the rest comes next
            }

            into.Add(e);
            added++;
            bytes += e.FrameLength;
        }

        return added > 0;
    }
}
