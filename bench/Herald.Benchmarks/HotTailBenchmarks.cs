using BenchmarkDotNet.Attributes;
using Herald.Delivery;
using Herald.Sse;

namespace Herald.Benchmarks;

/// <summary>
/// The hot tail (docs/design.md): a cursor reading a run of frames after its position, and the hub adding one. Reported
/// per frame. The ring is full and the run is the cursor's largest (<c>MaxEventsPerFlush</c> = 1,000 frames).
/// </summary>
public class HotTailBenchmarks
{
    private const int Capacity = 4096;
    private const int Run = 1000;
    private const int MaxBytesPerFlush = 256 * 1024; // SubscriptionCursor's bound; 1,000 frames of 200 B stay under it

    private readonly List<EncodedEvent> _batch = new(Run);
    private HotTail _tail = null!;
    private EncodedEvent[] _next = [];
    private long _last;

    [GlobalSetup]
    public void Setup()
    {
        byte[] payload = Payload.Json(200);
        _tail = new HotTail(Capacity);
        for (long id = 1; id <= Capacity; id++)
        {
            _tail.Append(new EncodedEvent(id, "update", EventFrame.Encode(id, "update", payload), 0));
        }

        _last = Capacity;

        // Appended in a loop that laps the ring. The frames already exist; each append makes its EncodedEvent, as the hub does.
        _next = new EncodedEvent[Capacity];
        for (int i = 0; i < _next.Length; i++)
        {
            _next[i] = new EncodedEvent(i, "update", EventFrame.Encode(i, "update", payload), 0);
        }
    }

    [Benchmark(OperationsPerInvoke = Run)]
    public int TryRead_RunOf1000()
    {
        _batch.Clear();
        _tail.TryRead(_last - Run, Run, MaxBytesPerFlush, _batch);
        return _batch.Count;
    }

    [Benchmark(OperationsPerInvoke = Run)]
    public long Append()
    {
        for (int i = 0; i < Run; i++)
        {
            _last++;
            EncodedEvent e = _next[_last & (Capacity - 1)];
            _tail.Append(new EncodedEvent(_last, e.EventType, e.Frame, 0));
        }

        return _last;
    }
}
