using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Herald.Delivery;
using Herald.Sse;
using Herald.Testing.Infrastructure;

namespace Herald.Tests.Delivery;

/// <summary>
/// A subscription's response keeps the memory the response writer lends across frames and advances it once per flush
/// (Kestrel takes its response lock on every GetSpan and Advance): the frames arrive exactly as written, in order, and
/// only at the flush.
/// </summary>
public sealed class SubscriptionOutputTests
{
    [Fact]
    public async Task ManySmallFrames_OneFlush_AdvanceTheResponseOncePerBlockNotPerFrame()
    {
        Pipe pipe = new();
        CountingWriter response = new(pipe.Writer);
        SubscriptionOutput output = SubscriptionOutput.ForOneStream(response, null, 0);
        StringBuilder expected = new();
        for (long id = 1; id <= 100; id++)
        {
            EncodedEvent e = Encoded(id, $"{{\"n\":{id}}}");
            output.WriteEvent(e);
            expected.Append(Encoding.UTF8.GetString(e.Frame));
        }

        Assert.Equal(0, response.Advances); // nothing reaches the response before the flush
        Assert.True(await output.FlushAsync(TimeProvider.System, CancellationToken.None));

        // 100 frames of ~25 bytes fit in one block of the pipe: one Advance, where writing frame by frame took 100.
        Assert.Equal(1, response.Advances);
        Assert.Equal(expected.ToString(), await ReadAsync(pipe, expected.Length));
    }

    [Fact]
    public async Task FramesLargerThanWhatIsLeft_SpanSeveralBlocks_AndTheBytesStayInOrder()
    {
        Pipe pipe = new(new PipeOptions(minimumSegmentSize: 4096));
        CountingWriter response = new(pipe.Writer);
        SubscriptionOutput output = SubscriptionOutput.ForOneStream(response, null, 0);
        StringBuilder expected = new();
        for (long id = 1; id <= 6; id++)
        {
            // 3,000 bytes each (a store-read event encoded straight into the response, then one from the hot tail): no
            // two fit one 4,096-byte block.
            StoredEvent stored = new(id, id % 2 == 0 ? "big" : null, Encoding.UTF8.GetBytes(new string((char)('a' + id), 3000)));
            if (id % 3 == 0)
            {
                EncodedEvent e = new(stored, 0);
                output.WriteEvent(e);
                expected.Append(Encoding.UTF8.GetString(e.Frame));
            }
            else
            {
                output.WriteEvent(stored);
                expected.Append(Encoding.UTF8.GetString(EventFrame.Encode(stored.Id, stored.EventType, stored.Data.Span)));
            }
        }

        output.WriteHeartbeat();
        expected.Append(":\n\n");
        Assert.True(await output.FlushAsync(TimeProvider.System, CancellationToken.None));

        Assert.Equal(expected.ToString(), await ReadAsync(pipe, expected.Length));
        // ~18 KiB in 4,096-byte blocks: one Advance per block the frames filled (a frame written at its size moves to a
        // new block, a shared tail frame fills the rest of the current one first) and one at the flush; frame by frame it
        // was one per frame plus one per id, data or heartbeat write that did not fit.
        Assert.Equal(6, response.Advances);
    }

    [Fact]
    public async Task ControlFramesBetweenEvents_ArriveExactlyWhereTheyWereWritten()
    {
        Pipe pipe = new();
        SubscriptionOutput output = SubscriptionOutput.ForOneStream(pipe.Writer, null, 0);
        ArrayBufferWriter<byte> expected = new();

        // The order a resume writes: retry, hello, then a reset and events; a store read's gap between events.
        EventFrame.WriteRetry(output, 2000);
        EventFrame.WriteRetry(expected, 2000);
        ControlFrames.WriteHello(output, "orders", "epoch-1", last: 7);
        ControlFrames.WriteHello(expected, "orders", "epoch-1", last: 7);
        output.WriteEvent(Encoded(8, "{}"));
        expected.Write(Encoded(8, "{}").Frame);
        ControlFrames.WriteGap(output, null, 8, 12);
        ControlFrames.WriteGap(expected, null, 8, 12);
        output.WriteEvent(new StoredEvent(12, "t", "x"u8.ToArray()));
        EventFrame.Write(expected, 12, "t", "x"u8);
        ControlFrames.WriteReset(output, null, 12, 3, "epoch-2");
        ControlFrames.WriteReset(expected, null, 12, 3, "epoch-2");
        Assert.True(await output.FlushAsync(TimeProvider.System, CancellationToken.None));

        Assert.Equal(Encoding.UTF8.GetString(expected.WrittenSpan), await ReadAsync(pipe, expected.WrittenCount));
    }

    [Fact]
    public async Task ShutdownAfterFrames_SendsTheFramesThenTheRetry()
    {
        Pipe pipe = new();
        SubscriptionOutput output = SubscriptionOutput.ForOneStream(pipe.Writer, null, 0);
        output.WriteEvent(Encoded(1, "{}"));
        Assert.True(await output.FlushAsync(TimeProvider.System, CancellationToken.None));
        output.WriteEvent(Encoded(2, "{}"));

        await output.EndForShutdownAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        string sent = await ReadAsync(pipe, "id: 1\ndata: {}\n\nid: 2\ndata: {}\n\nretry: 1000\n\n".Length);
        Assert.Matches("^id: 1\ndata: {}\n\nid: 2\ndata: {}\n\nretry: [0-9]{4}\n\n$", sent);
    }

    private static EncodedEvent Encoded(long id, string data) => new(new StoredEvent(id, null, Encoding.UTF8.GetBytes(data)), 0);

    private static async Task<string> ReadAsync(Pipe pipe, int atLeast)
    {
        StringBuilder read = new();
        while (read.Length < atLeast || read.Length == 0)
        {
            ReadResult result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Frame);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                read.Append(Encoding.UTF8.GetString(segment.Span));
            }

            pipe.Reader.AdvanceTo(result.Buffer.End);
        }

        return read.ToString();
    }

    /// <summary>The response writer, counting how often it is advanced (each an acquisition of Kestrel's lock).</summary>
    private sealed class CountingWriter(PipeWriter inner) : PipeWriter
    {
        public int Advances { get; private set; }

        public override void Advance(int bytes)
        {
            Advances++;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
    }
}
