using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using Herald.Sse;

namespace Herald.Tests.Sse;

/// <summary>docs/protocol.md "Subscribe": <c>hello</c>, <c>gap</c> and <c>reset</c> frames, exact bytes, never an <c>id:</c>.</summary>
public sealed class ControlFramesTests
{
    private const string Epoch = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

    [Fact]
    public void WriteHello_Always_WritesStreamEpochAndLastWithoutId()
    {
        ArrayBufferWriter<byte> output = new();

        ControlFrames.WriteHello(output, "orders.eu-1", Epoch, 42);

        AssertFrame("event: hello\ndata: {\"stream\":\"orders.eu-1\",\"epoch\":\"" + Epoch + "\",\"last\":42}\n\n", output);
    }

    [Fact]
    public void WriteHello_EmptyStream_WritesLastZero()
    {
        ArrayBufferWriter<byte> output = new();

        ControlFrames.WriteHello(output, "s", Epoch, 0);

        AssertFrame("event: hello\ndata: {\"stream\":\"s\",\"epoch\":\"" + Epoch + "\",\"last\":0}\n\n", output);
    }

    [Fact]
    public void WriteHello_SeveralStreams_ListsEachStreamsLastInOrder()
    {
        ArrayBufferWriter<byte> output = new();

        ControlFrames.WriteHello(output, Epoch, [("orders", 42), ("prices", 0)]);

        AssertFrame("event: hello\ndata: {\"epoch\":\"" + Epoch + "\",\"streams\":[{\"stream\":\"orders\",\"last\":42},{\"stream\":\"prices\",\"last\":0}]}\n\n", output);
    }

    [Fact]
    public void WriteGapAndReset_ForOneOfSeveralStreams_NameTheStream()
    {
        ArrayBufferWriter<byte> output = new();

        ControlFrames.WriteGap(output, "orders", 5, 100);
        ControlFrames.WriteReset(output, "prices", 9, 3, Epoch);

        AssertFrame(
            "event: gap\ndata: {\"lastEventId\":5,\"first\":100,\"stream\":\"orders\"}\n\n"
            + "event: reset\ndata: {\"lastEventId\":9,\"last\":3,\"epoch\":\"" + Epoch + "\",\"stream\":\"prices\"}\n\n",
            output);
    }

    [Theory]
    [InlineData(5, 100, "event: gap\ndata: {\"lastEventId\":5,\"first\":100}\n\n")]
    [InlineData(0, 2, "event: gap\ndata: {\"lastEventId\":0,\"first\":2}\n\n")]
    [InlineData(9223372036854775805, 9223372036854775807, "event: gap\ndata: {\"lastEventId\":9223372036854775805,\"first\":9223372036854775807}\n\n")]
    public void WriteGap_Always_WritesLastEventIdAndFirstWithoutId(long lastEventId, long first, string expected)
    {
        ArrayBufferWriter<byte> output = new();

        ControlFrames.WriteGap(output, stream: null, lastEventId, first);

        AssertFrame(expected, output);
    }

    [Theory]
    [InlineData(500, 42)]
    [InlineData(9223372036854775807, 0)]
    public void WriteReset_Always_WritesLastEventIdLastAndEpochWithoutId(long lastEventId, long last)
    {
        ArrayBufferWriter<byte> output = new();

        ControlFrames.WriteReset(output, stream: null, lastEventId, last, Epoch);

        AssertFrame($"event: reset\ndata: {{\"lastEventId\":{lastEventId},\"last\":{last},\"epoch\":\"{Epoch}\"}}\n\n", output);
    }

    [Fact]
    public void Write_AfterOtherFrames_AppendsAndParsesWithoutMovingTheLastEventId()
    {
        ArrayBufferWriter<byte> output = new();
        output.Write(Herald.Sse.EventFrame.Encode(7, null, "x"u8));

        ControlFrames.WriteHello(output, "s", Epoch, 7);
        ControlFrames.WriteGap(output, stream: null, 7, 9);
        ControlFrames.WriteReset(output, stream: null, 7, 3, Epoch);

        SseParser<string> parser = SseParser.Create(new MemoryStream(output.WrittenSpan.ToArray()));
        List<SseItem<string>> items = [.. parser.Enumerate()];
        Assert.Equal(["message", "hello", "gap", "reset"], items.Select(i => i.EventType));
        Assert.Equal("{\"lastEventId\":7,\"first\":9}", items[2].Data);
        Assert.Equal("7", parser.LastEventId);
    }

    private static void AssertFrame(string expected, ArrayBufferWriter<byte> output)
    {
        string actual = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Equal(expected, actual);
        Assert.DoesNotContain("id:", actual.Replace("lastEventId", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
