using System.Runtime.InteropServices;

namespace Herald.Sse;

/// <summary>
/// An event's SSE frame as the hot tail holds it: encoded at most once and shared by every subscriber (docs/design.md).
/// </summary>
/// <remarks>
/// The frame is encoded by the first reader that needs it, not by the store's commit notification: that runs on the
/// store's one writer thread (SQLite's group commit), where encoding would add to every commit, and for events the ring
/// drops before anyone reads them it would be wasted. Two readers racing may both encode; one frame wins and both write
/// the same bytes. The payload is let go once the frame exists, so an event is held once, not twice.
/// </remarks>
internal sealed class EncodedEvent
{
    private readonly int _offset;
    private readonly int _length;
    private byte[]? _frame;
    private byte[]? _payload; // the source bytes until the frame is published, then null

    /// <summary>An event whose frame is already encoded.</summary>
    public EncodedEvent(long id, string? eventType, byte[] frame, long committedTimestamp)
    {
        Id = id;
        EventType = eventType;
        _frame = frame;
        FrameLength = frame.Length;
        CommittedTimestamp = committedTimestamp;
    }

    /// <summary>
    /// An event to encode on first read. The store must not change <paramref name="stored"/>'s bytes afterwards
    /// (<see cref="IAppendObserver"/>); payloads not backed by an array are encoded now.
    /// </summary>
    public EncodedEvent(StoredEvent stored, long committedTimestamp)
    {
        Id = stored.Id;
        EventType = stored.EventType;
        CommittedTimestamp = committedTimestamp;
        FrameLength = EventFrame.GetSize(stored.Id, stored.EventType, stored.Data.Span);
        if (MemoryMarshal.TryGetArray(stored.Data, out ArraySegment<byte> segment))
        {
            _payload = segment.Array;
            _offset = segment.Offset;
            _length = segment.Count;
        }
        else
        {
            _frame = EventFrame.Encode(stored.Id, stored.EventType, stored.Data.Span);
        }
    }

    public long Id { get; }

    /// <summary>The event's type, null when untyped: what a subscription's <c>type=</c> filter decides on.</summary>
    public string? EventType { get; }

    /// <summary>The exact size of <see cref="Frame"/>, known without encoding it: the hot tail bounds its bytes with it.</summary>
    public int FrameLength { get; }

    /// <summary>When the event became durable (<see cref="TimeProvider.GetTimestamp"/>), for delivery lag.</summary>
    public long CommittedTimestamp { get; }

    /// <summary>The complete UTF-8 frame, ending with its blank line.</summary>
    public byte[] Frame => Volatile.Read(ref _frame) ?? EncodeOnce();

    /// <summary>Whether the frame has been encoded yet (tests and diagnostics).</summary>
    public bool IsEncoded => Volatile.Read(ref _frame) is not null;

    private byte[] EncodeOnce()
    {
        byte[]? payload = Volatile.Read(ref _payload);
        if (payload is null)
        {
            // Another reader published the frame before letting the payload go.
            return Volatile.Read(ref _frame)!;
        }

        byte[] encoded = EventFrame.Encode(Id, EventType, payload.AsSpan(_offset, _length));
        byte[] frame = Interlocked.CompareExchange(ref _frame, encoded, null) ?? encoded;
        Volatile.Write(ref _payload, null);
        return frame;
    }
}
