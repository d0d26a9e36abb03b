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
    private readonly EncodedEvent?[] _ring;
    private readonly int _mask;
    private readonly long _maxBytes;
    private long _first; // first ID held, 0 when empty
    private long _last;  // last ID held
    private long _bytes; // frame bytes from _first to _last (writer only)

    public HotTail(int capacity, long maxBytes = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _ring = new EncodedEvent?[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity)];
        _mask = _ring.Length - 1;
        _maxBytes = maxBytes;
    }

    /// <summary>How many events the ring holds at most.</summary>
    public int Capacity => _ring.Length;

    /// <summary>How many bytes of frames the ring holds at most (beyond that only the newest frame).</summary>
    public long MaxBytes => _maxBytes;

    /// <summary>The bytes of the frames held now (the writer's view).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public long Last => Volatile.Read(ref _last);

    /// <summary>Adds events that follow on from what the ring holds; anything else (a first fill, a hole) restarts the ring.</summary>
    public void Append(EncodedEvent encoded)
    {
        long last = _last;
        if (last == 0 || encoded.Id != last + 1)
        {
            // Readers check slot IDs, so emptying first keeps them from mixing the old run with the new one.
            Volatile.Write(ref _first, 0);
            Volatile.Write(ref _last, 0);
            Array.Clear(_ring); // drop the old run's frames: their bytes are no longer counted
            Volatile.Write(ref _ring[encoded.Id & _mask], encoded);
            Volatile.Write(ref _bytes, encoded.FrameLength);
            Volatile.Write(ref _first, encoded.Id);
            Volatile.Write(ref _last, encoded.Id);
            return;
        }

        long first = _first;
        if (encoded.Id - first >= _ring.Length)
        {
            // The slot about to be reused holds the oldest frame: it leaves the ring.
            _bytes -= _ring[first & _mask]?.FrameLength ?? 0;
            first++;
            Volatile.Write(ref _first, first);
        }

        Volatile.Write(ref _ring[encoded.Id & _mask], encoded);
        _bytes += encoded.FrameLength;
        Volatile.Write(ref _last, encoded.Id);

        // Then by bytes: drop the oldest frames (never the newest) until the rest fits.
        while (_bytes > _maxBytes && first < encoded.Id)
        {
            ref EncodedEvent? oldest = ref _ring[first & _mask];
            _bytes -= oldest?.FrameLength ?? 0;
            first++;
            Volatile.Write(ref _first, first); // readers see the new first before the slot is emptied
            Volatile.Write(ref oldest, null);
        }

        Volatile.Write(ref _bytes, _bytes);
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

        int added = 0;
        int bytes = 0;
        for (long id = after + 1; id <= last && added < max && bytes < maxBytes; id++)
        {
            EncodedEvent? e = Volatile.Read(ref _ring[id & _mask]);
            if (e is null || e.Id != id)
            {
                break; // overwritten by a newer lap while we read: serve what we have, the rest comes from the store
            }

            into.Add(e);
            added++;
            bytes += e.FrameLength;
        }

        return added > 0;
    }
}
