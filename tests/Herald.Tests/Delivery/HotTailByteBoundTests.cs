using Herald.Delivery;
using Herald.Sse;


namespace Herald.Tests.Delivery;

/// <summary>docs/protocol.md "Limits": a stream's hot tail holds at most a configured number of bytes, whatever its events' sizes.</summary>
public sealed class HotTailByteBoundTests
{
    [Fact]
    public void Append_FramesPastTheByteBound_DropsTheOldestAndKeepsTheBytesUnderIt()
    {
        HotTail tail = new(capacity: 4096, maxBytes: 1000);

        for (long id = 1; id <= 20; id++)
        {
            tail.Append(Frame(id, 300));
            Assert.True(tail.Bytes <= 1000, $"after {id}: {tail.Bytes} bytes held");
        }

        List<EncodedEvent> read = [];
        Assert.True(tail.TryRead(17, 100, int.MaxValue, read));
        Assert.Equal([18L, 19L, 20L], read.Select(e => e.Id));
        Assert.False(tail.TryRead(10, 100, int.MaxValue, []), "an event dropped for bytes was served from the tail");
    }

    [Fact]
    public void Append_OneFrameLargerThanTheBound_IsKeptAlone()
    {
        HotTail tail = new(capacity: 16, maxBytes: 1000);
        tail.Append(Frame(1, 300));

        tail.Append(Frame(2, 5000));

        List<EncodedEvent> read = [];
        Assert.True(tail.TryRead(1, 10, int.MaxValue, read));
        Assert.Equal([2L], read.Select(e => e.Id));
        Assert.False(tail.TryRead(0, 10, int.MaxValue, []));
        Assert.Equal(5000, tail.Bytes);
    }

    [Fact]
    public void Append_RingWrapsByCount_BytesCountOnlyWhatItHolds()
    {
        HotTail tail = new(capacity: 4, maxBytes: long.MaxValue);

        for (long id = 1; id <= 10; id++)
        {
            tail.Append(Frame(id, 100));
        }

        Assert.Equal(400, tail.Bytes);
    }

    [Fact]
    public void Append_AHoleRestartsTheRing_BytesStartAgain()
    {
        HotTail tail = new(capacity: 16, maxBytes: 1000);
        tail.Append(Frame(1, 300));
        tail.Append(Frame(2, 300));

        tail.Append(Frame(7, 200));

        Assert.Equal(200, tail.Bytes);
    }

    private static EncodedEvent Frame(long id, int bytes) => new(id, null, new byte[bytes], 0);
}
