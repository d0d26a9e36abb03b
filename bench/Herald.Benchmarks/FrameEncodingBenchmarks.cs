using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Sse;

namespace Herald.Benchmarks;

/// <summary>
/// Encoding one event's SSE frame (issue #4 target: at least 2× <see cref="SseFormatter"/>, no allocation per event).
/// Both sides produce the same lines (<c>id:</c>, <c>event:</c>, <c>data:</c>, blank line; SseFormatter orders them
/// event, data, id), checked at setup; both write into a buffer that is reused across invocations, and both get the
/// payload as UTF-8 bytes. SseFormatter is given its IDs pre-formatted as strings, which only flatters it. The sink
/// (<see cref="RecyclingBuffer"/>) is the same for both.
/// </summary>
public class FrameEncodingBenchmarks
{
    private const int EventsPerInvoke = 1000;
    private const string EventType = "update";
    private const long FirstId = 1_000_000;

    private static readonly Action<SseItem<byte[]>, IBufferWriter<byte>> WritePayload = static (item, writer) => writer.Write(item.Data);

    private byte[] _payload = [];
    private ReplayEnumerable<SseItem<byte[]>> _items = null!;
    private RecyclingBuffer _sink = null!;

    [Params(20, 200, 4096)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = Payload.Json(PayloadBytes);
        var items = new SseItem<byte[]>[EventsPerInvoke];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = new SseItem<byte[]>(_payload, EventType) { EventId = (FirstId + i).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }

        _items = new ReplayEnumerable<SseItem<byte[]>>(items);
        _sink = new RecyclingBuffer();
        CheckSameOutput();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvoke)]
    public Task SseFormatter_WriteAsync() => SseFormatter.WriteAsync(_items, _sink, WritePayload);

    /// <summary>Catch-up: frames written straight into the connection's pipe (here a reused buffer writer).</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public long Herald_WriteToBufferWriter()
    {
        for (int i = 0; i < EventsPerInvoke; i++)
        {
            EventFrame.Write(_sink, FirstId + i, EventType, _payload);
        }

        return _sink.Written;
    }

    /// <summary>Live delivery: the hub encodes each event once into its own array, which every subscriber then shares.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public int Herald_EncodeOnceForHotTail()
    {
        int bytes = 0;
        for (int i = 0; i < EventsPerInvoke; i++)
        {
            bytes += EventFrame.Encode(FirstId + i, EventType, _payload).Length;
        }

        return bytes;
    }

    private void CheckSameOutput()
    {
        using var stream = new MemoryStream();
        SseFormatter.WriteAsync(_items, stream, WritePayload).GetAwaiter().GetResult();
        var buffer = new ArrayBufferWriter<byte>();
        for (int i = 0; i < EventsPerInvoke; i++)
        {
            EventFrame.Write(buffer, FirstId + i, EventType, _payload);
        }

        string formatter = Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
        string herald = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (formatter.Length != herald.Length || !SameLines(formatter, herald))
        {
            throw new InvalidOperationException($"The two encoders disagree: {formatter.Length} vs {herald.Length} bytes.");
        }

        static bool SameLines(string a, string b)
        {
            string[] left = a.Split('\n');
            string[] right = b.Split('\n');
            Array.Sort(left, StringComparer.Ordinal);
            Array.Sort(right, StringComparer.Ordinal);
            return left.AsSpan().SequenceEqual(right);
        }
    }
}
