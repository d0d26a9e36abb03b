using System.Text;
using Herald.Delivery;
using Herald.Sse;

namespace Herald.Tests.Delivery;

/// <summary>
/// Frames are encoded off the store's commit thread: <see cref="StreamState.OnAppended"/> only files events in the hot
/// tail, the first reader encodes each one once for everybody, and events the ring cannot keep are never filed.
/// </summary>
public sealed class HotTailEncodingTests
{
    [Fact]
    public void OnAppended_FilesEventsWithoutEncodingThem_AndTheFirstReadEncodesTheExactFrame()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");

        state.OnAppended(Appended(1, 3, type: "price"));

        List<EncodedEvent> read = [];
        Assert.True(state.Tail.TryRead(0, 10, int.MaxValue, read));
        Assert.Equal([1L, 2L, 3L], read.Select(e => e.Id));
        Assert.All(read, e => Assert.False(e.IsEncoded));
        Assert.All(read, e => Assert.Equal(EventFrame.Encode(e.Id, "price", Payload(e.Id)), e.Frame));
        Assert.All(read, e => Assert.True(e.IsEncoded));
        Assert.All(read, e => Assert.Equal(e.Frame.Length, e.FrameLength));
    }

    [Fact]
    public void Frame_ReadTwice_IsTheSameArray()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        state.OnAppended(Appended(1, 1));
        List<EncodedEvent> read = [];
        state.Tail.TryRead(0, 1, int.MaxValue, read);

        Assert.Same(read[0].Frame, read[0].Frame);
    }

    [Fact]
    public async Task Frame_ReadByManyThreadsAtOnce_EveryoneGetsTheSameCorrectBytes()
    {
        for (int round = 0; round < 200; round++)
        {
            EncodedEvent e = new(new StoredEvent(round + 1, null, Payload(round + 1)), 0);
            using Barrier start = new(4);
            byte[][] frames = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return e.Frame;
            })));

            byte[] expected = EventFrame.Encode(round + 1, null, Payload(round + 1));
            Assert.All(frames, f => Assert.Equal(expected, f));
            Assert.All(frames, f => Assert.Same(e.Frame, f)); // one frame published, whoever encoded first
        }
    }

    [Fact]
    public void OnAppended_BatchLargerThanTheRing_FilesOnlyTheNewestThatFit()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");

        state.OnAppended(Appended(1, 100));

        List<EncodedEvent> read = [];
        Assert.False(state.Tail.TryRead(83, 100, int.MaxValue, read)); // 84 was never filed
        Assert.True(state.Tail.TryRead(84, 100, int.MaxValue, read));
        Assert.Equal(Enumerable.Range(85, 16).Select(i => (long)i), read.Select(e => e.Id));
        Assert.Equal(100, state.KnownLast);
    }

    [Fact]
    public void OnAppended_BatchLargerThanTheRing_ThenTheNextAppendContinuesTheRun()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");

        state.OnAppended(Appended(1, 100));
        state.OnAppended(Appended(101, 101));

        List<EncodedEvent> read = [];
        Assert.True(state.Tail.TryRead(99, 100, int.MaxValue, read));
        Assert.Equal([100L, 101L], read.Select(e => e.Id));
    }

    [Fact]
    public void OnAppended_PayloadNotBackedByAnArray_IsEncodedCorrectly()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        using NativeMemory memory = new(Payload(1));

        state.OnAppended(new EventsAppendedEventArgs("s", [new StoredEvent(1, "t", memory.Memory)], 0));

        List<EncodedEvent> read = [];
        state.Tail.TryRead(0, 1, int.MaxValue, read);
        Assert.Equal(EventFrame.Encode(1, "t", Payload(1)), read[0].Frame);
    }

    private static byte[] Payload(long id) => Encoding.UTF8.GetBytes($"event {id}\nsecond line");

    private static EventsAppendedEventArgs Appended(long first, long last, string? type = null) =>
        new("s", [.. Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => new StoredEvent(i, type, Payload(i)))], 0);

    /// <summary>A payload in memory that is not an array, as a store reading from native buffers might hand over.</summary>
    private sealed class NativeMemory : System.Buffers.MemoryManager<byte>
    {
        private readonly byte[] _bytes;

        public NativeMemory(byte[] bytes) => _bytes = bytes;

        public override Span<byte> GetSpan() => _bytes;

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
