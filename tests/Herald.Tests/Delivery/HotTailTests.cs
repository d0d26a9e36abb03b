using System.Text;
using Herald.Delivery;
using Herald.Sse;

namespace Herald.Tests.Delivery;

/// <summary>
/// The ring of recently encoded events (docs/design.md): it answers only when it holds the very next event after a cursor,
/// in order and without holes, and otherwise says no so the cursor reads the store.
/// </summary>
public sealed class HotTailTests
{
    private static readonly TimeSpan s_stressTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void TryRead_Empty_ReturnsFalse()
    {
        HotTail tail = new(16);
        List<EncodedEvent> into = [];

        Assert.False(tail.TryRead(0, 100, int.MaxValue, into));
        Assert.Empty(into);
        Assert.Equal(0, tail.Last);
    }

    [Fact]
    public void TryRead_ContiguousAppends_ReturnsEverythingAfterAnyCoveredPosition()
    {
        HotTail tail = Filled(16, 1, 10);

        for (long after = 0; after < 10; after++)
        {
            List<EncodedEvent> into = [];
            Assert.True(tail.TryRead(after, 100, int.MaxValue, into), $"after {after}");
            AssertEvents(after + 1, 10, into);
        }

        Assert.Equal(10, tail.Last);
    }

    [Theory]
    [InlineData(3)] // after + 1 below the first held (5)
    [InlineData(0)]
    [InlineData(10)] // at the last: nothing newer
    [InlineData(11)] // past the last
    [InlineData(long.MaxValue - 1)]
    public void TryRead_NextNotHeld_ReturnsFalseAndAddsNothing(long after)
    {
        HotTail tail = Filled(16, 5, 10);
        List<EncodedEvent> into = [];

        Assert.False(tail.TryRead(after, 100, int.MaxValue, into));
        Assert.Empty(into);
    }

    [Fact]
    public void TryRead_RightBeforeFirstHeld_ReturnsFromFirst()
    {
        HotTail tail = Filled(16, 5, 10);
        List<EncodedEvent> into = [];

        Assert.True(tail.TryRead(4, 100, int.MaxValue, into));
        AssertEvents(5, 10, into);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 8)]
    [InlineData(8, 8)]
    [InlineData(9, 16)]
    [InlineData(100, 128)]
    public void Append_PastCapacity_KeepsLastPowerOfTwoEvents(int capacity, int held)
    {
        const long Last = 1000;
        HotTail tail = Filled(capacity, 1, Last);
        long first = Last - held + 1;

        List<EncodedEvent> into = [];
        Assert.False(tail.TryRead(first - 2, int.MaxValue, int.MaxValue, into), "one before the first held must miss");
        Assert.Empty(into);
        Assert.True(tail.TryRead(first - 1, int.MaxValue, int.MaxValue, into));
        AssertEvents(first, Last, into);
    }

    [Fact]
    public void Append_Hole_RestartsTheRingAtTheNewId()
    {
        HotTail tail = Filled(16, 1, 5);

        tail.Append(Event(8));

        List<EncodedEvent> into = [];
        Assert.False(tail.TryRead(4, 100, int.MaxValue, into), "IDs 6 and 7 are unknown: the reader must go to the store");
        Assert.False(tail.TryRead(0, 100, int.MaxValue, into));
        Assert.Empty(into);
        Assert.True(tail.TryRead(7, 100, int.MaxValue, into));
        AssertEvents(8, 8, into);
        Assert.Equal(8, tail.Last);

        tail.Append(Event(9));
        into.Clear();
        Assert.True(tail.TryRead(7, 100, int.MaxValue, into));
        AssertEvents(8, 9, into);
    }

    [Fact]
    public void Append_LowerId_RestartsTheRing()
    {
        HotTail tail = Filled(16, 10, 20);

        tail.Append(Event(3));

        List<EncodedEvent> into = [];
        Assert.False(tail.TryRead(15, 100, int.MaxValue, into));
        Assert.False(tail.TryRead(3, 100, int.MaxValue, into));
        Assert.True(tail.TryRead(2, 100, int.MaxValue, into));
        AssertEvents(3, 3, into);
        Assert.Equal(3, tail.Last);
    }

    [Fact]
    public void Append_HoleAfterWraparound_DoesNotServeStaleSlots()
    {
        // Slots 1..7 of an 8-slot ring still hold old events when the ring restarts at 100 (slot 4).
        HotTail tail = Filled(8, 1, 20);
        tail.Append(Event(100));
        tail.Append(Event(101));

        List<EncodedEvent> into = [];
        Assert.True(tail.TryRead(99, 100, int.MaxValue, into));
        AssertEvents(100, 101, into);
        into.Clear();
        Assert.False(tail.TryRead(19, 100, int.MaxValue, into));
        Assert.Empty(into);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void TryRead_MaxCount_StopsAtIt(int max)
    {
        HotTail tail = Filled(32, 1, 10);
        List<EncodedEvent> into = [];

        Assert.True(tail.TryRead(0, max, int.MaxValue, into));

        AssertEvents(1, max, into);
    }

    [Fact]
    public void TryRead_MaxBytes_StopsOnceReachedAndAlwaysReturnsAtLeastOne()
    {
        HotTail tail = Filled(32, 1, 9); // one-digit IDs: every frame has the same size
        int size = Event(1).Frame.Length;

        List<EncodedEvent> into = [];
        Assert.True(tail.TryRead(0, 100, 1, into));
        AssertEvents(1, 1, into);

        into.Clear();
        Assert.True(tail.TryRead(0, 100, size, into));
        AssertEvents(1, 1, into);

        into.Clear();
        Assert.True(tail.TryRead(0, 100, 3 * size, into));
        AssertEvents(1, 3, into);

        // The limit is checked before each event, so the event that crosses it is still included.
        into.Clear();
        Assert.True(tail.TryRead(0, 100, (3 * size) + 1, into));
        AssertEvents(1, 4, into);
    }

    [Fact]
    public void Constructor_CapacityBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HotTail(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HotTail(-1));
    }

    [Fact]
    public async Task TryRead_ConcurrentWriterAndReaders_EachReaderSeesEveryIdOnceInOrderWithItsFrame()
    {
        // One writer appends 1..Count to a small ring (so it laps many times) while readers follow at their own pace.
        // A reader that falls behind stands in for the store by taking the next ID itself, as SubscriptionCursor does.
        const long Count = 200_000;
        const int Readers = 4;
        HotTail tail = new(256);
        EncodedEvent[] events = new EncodedEvent[Count + 1];
        for (long id = 1; id <= Count; id++)
        {
            events[id] = Event(id);
        }

        long published = 0;
        using CancellationTokenSource timeout = new(s_stressTimeout);
        CancellationToken stop = timeout.Token;

        Task writer = Task.Run(
            () =>
            {
                for (long id = 1; id <= Count && !stop.IsCancellationRequested; id++)
                {
                    tail.Append(events[id]);
                    Volatile.Write(ref published, id);
                }
            },
            stop);

        Task<(long FromTail, long FromStore)>[] readers =
        [
            .. Enumerable.Range(0, Readers).Select(r => Task.Run(
                () =>
                {
                    long cursor = 0;
                    long fromTail = 0;
                    long fromStore = 0;
                    List<EncodedEvent> batch = [];
                    while (cursor < Count)
                    {
                        stop.ThrowIfCancellationRequested();
                        batch.Clear();
                        if (tail.TryRead(cursor, 1 + (r * 37), 64 * 1024, batch))
                        {
                            foreach (EncodedEvent e in batch)
                            {
                                if (e.Id != cursor + 1)
                                {
                                    throw new InvalidOperationException($"reader {r}: after {cursor} got {e.Id}");
                                }

                                if (!e.Frame.AsSpan().SequenceEqual(ExpectedFrame(e.Id)))
                                {
                                    throw new InvalidOperationException($"reader {r}: wrong frame for {e.Id}");
                                }

                                cursor = e.Id;
                                fromTail++;
                            }
                        }
                        else if (cursor < Volatile.Read(ref published))
                        {
                            cursor++; // behind the ring (or raced a lap): the "store" serves the next event
                            fromStore++;
                        }
                        else
                        {
                            Thread.Yield();
                        }
                    }

                    return (fromTail, fromStore);
                },
                stop)),
        ];

        try
        {
            await Task.WhenAll([writer, .. readers]).WaitAsync(s_stressTimeout);
        }
        catch (TimeoutException)
        {
            await timeout.CancelAsync();
            Assert.Fail($"The stress test did not finish within {s_stressTimeout}: writer at {Volatile.Read(ref published)}.");
        }

        foreach (Task<(long FromTail, long FromStore)> reader in readers)
        {
            (long fromTail, long fromStore) = await reader;
            Assert.Equal(Count, fromTail + fromStore);
            Assert.True(fromTail > 0, "the ring never served a reader");
        }
    }

    private static HotTail Filled(int capacity, long first, long last)
    {
        HotTail tail = new(capacity);
        for (long id = first; id <= last; id++)
        {
            tail.Append(Event(id));
        }

        return tail;
    }

    private static EncodedEvent Event(long id) => new(id, null, EventFrame.Encode(id, null, Encoding.UTF8.GetBytes("e" + id)), 0);

    // Built independently of EventFrame, so a frame from the wrong slot or a torn one cannot match by accident.
    private static byte[] ExpectedFrame(long id) => Encoding.UTF8.GetBytes($"id: {id}\ndata: e{id}\n\n");

    private static void AssertEvents(long first, long last, List<EncodedEvent> events)
    {
        Assert.Equal(Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + i), events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal(ExpectedFrame(e.Id), e.Frame));
    }
}
