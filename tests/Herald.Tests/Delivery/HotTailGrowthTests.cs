using System.Text;
using Herald.Delivery;
using Herald.Sse;

namespace Herald.Tests.Delivery;

/// <summary>
/// A stream's ring is allocated in proportion to what it holds: a stream with a few events costs a few slots, not its
/// whole capacity, and growing never loses or reorders what a reader can see.
/// </summary>
public sealed class HotTailGrowthTests
{
    [Fact]
    public void New_LargeCapacity_AllocatesOnlyAFewSlots()
    {
        HotTail tail = new(4096);

        Assert.Equal(4096, tail.Capacity);
        Assert.Equal(16, tail.AllocatedSlots);
    }

    [Fact]
    public void Append_MoreThanTheSlots_GrowsAndKeepsEveryEventReadable()
    {
        HotTail tail = new(4096);

        Append(tail, 1, 100);

        Assert.Equal(128, tail.AllocatedSlots);
        List<EncodedEvent> read = [];
        Assert.True(tail.TryRead(0, 1000, int.MaxValue, read));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), read.Select(e => e.Id));
        Assert.All(read, e => Assert.Equal(Encoding.UTF8.GetBytes($"e{e.Id}"), e.Frame));
    }

    [Fact]
    public void Append_PastTheCapacity_StopsGrowingAndKeepsTheNewest()
    {
        HotTail tail = new(64);

        Append(tail, 1, 1000);

        Assert.Equal(64, tail.AllocatedSlots);
        List<EncodedEvent> read = [];
        Assert.False(tail.TryRead(935, 1000, int.MaxValue, read)); // 936 was overwritten
        Assert.True(tail.TryRead(936, 1000, int.MaxValue, read));
        Assert.Equal(Enumerable.Range(937, 64).Select(i => (long)i), read.Select(e => e.Id));
    }

    [Fact]
    public void Append_AfterAHole_RestartsInTheGrownRing()
    {
        HotTail tail = new(4096);
        Append(tail, 1, 40);

        Append(tail, 100, 102);

        List<EncodedEvent> read = [];
        Assert.False(tail.TryRead(40, 10, int.MaxValue, read));
        Assert.True(tail.TryRead(99, 10, int.MaxValue, read));
        Assert.Equal([100L, 101L, 102L], read.Select(e => e.Id));
    }

    [Fact]
    public async Task TryRead_WhileTheWriterGrowsTheRing_SeesOnlyContiguousCorrectRuns()
    {
        const int Count = 20_000;
        HotTail tail = new(8192);
        using CancellationTokenSource done = new();
        int reads = 0;
        TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Task reader = Task.Run(() =>
        {
            started.SetResult();
            List<EncodedEvent> batch = [];
            while (!done.IsCancellationRequested)
            {
                long last = tail.Last;
                long after = last > 0 ? Random.Shared.NextInt64(Math.Max(0, last - 8192), last) : 0;
                batch.Clear();
                if (tail.TryRead(after, 500, int.MaxValue, batch))
                {
                    for (int i = 0; i < batch.Count; i++)
                    {
                        Assert.Equal(after + 1 + i, batch[i].Id);
                        Assert.Equal(Encoding.UTF8.GetBytes($"e{batch[i].Id}"), batch[i].Frame);
                    }

                    Interlocked.Increment(ref reads);
                }
            }
        });

        await started.Task;
        for (long id = 1; id <= Count; id += 100)
        {
            Append(tail, id, id + 99);

            // Let the reader in between steps, so reads overlap every growth (at most 10 ms per step; no assertion on time).
            int seen = Volatile.Read(ref reads);
            SpinWait.SpinUntil(() => Volatile.Read(ref reads) > seen, 10);
        }

        await done.CancelAsync();
        await reader;

        Assert.True(reads > 0, "the reader never found the run it asked for");
        Assert.Equal(8192, tail.AllocatedSlots);
    }

    private static void Append(HotTail tail, long first, long last)
    {
        for (long id = first; id <= last; id++)
        {
            tail.Append(new EncodedEvent(id, null, Encoding.UTF8.GetBytes($"e{id}"), 0));
        }
    }
}
