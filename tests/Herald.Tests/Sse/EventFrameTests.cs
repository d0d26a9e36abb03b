using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using Herald.Sse;
using Herald.Validation;

namespace Herald.Tests.Sse;

/// <summary>
/// The SSE encoder (docs/protocol.md "Subscribe"): exact bytes for awkward inputs, the size it promises, and a round trip
/// through the runtime's <see cref="SseParser"/>, which is what a conforming client reassembles.
/// </summary>
public sealed class EventFrameTests
{
    private static readonly string s_longType = new('t', EventTypes.MaxLength);

    [Fact]
    public void Encode_IdAndOneLine_WritesIdThenDataThenBlankLine()
    {
        AssertFrame("id: 1\ndata: x\n\n", EventFrame.Encode(1, null, "x"u8));
    }

    [Fact]
    public void Encode_WithEventType_WritesEventLineBetweenIdAndData()
    {
        AssertFrame("id: 42\nevent: order.created\ndata: {\"a\":1}\n\n", EventFrame.Encode(42, "order.created", "{\"a\":1}"u8));
    }

    [Fact]
    public void Encode_MultiLineData_WritesOneDataLinePerLine()
    {
        AssertFrame("id: 7\ndata: a\ndata: b\ndata: c\n\n", EventFrame.Encode(7, null, "a\nb\nc"u8));
    }

    [Fact]
    public void Encode_TrailingLineFeed_WritesExtraEmptyDataLine()
    {
        AssertFrame("id: 3\ndata: x\ndata: \n\n", EventFrame.Encode(3, null, "x\n"u8));
    }

    [Fact]
    public void Encode_EmptyLinesOnly_WritesOneEmptyDataLineEach()
    {
        AssertFrame("id: 5\ndata: \ndata: \ndata: \n\n", EventFrame.Encode(5, null, "\n\n"u8));
        AssertFrame("id: 5\ndata: a\ndata: \ndata: b\n\n", EventFrame.Encode(5, null, "a\n\nb"u8));
    }

    [Fact]
    public void Encode_EmptyData_WritesOneEmptyDataLine()
    {
        AssertFrame("id: 1\ndata: \n\n", EventFrame.Encode(1, null, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Encode_LeadingSpaces_KeepsThemAfterTheSeparatorSpace()
    {
        // One space separates the field from its value; the parser strips exactly one, so the second is data.
        AssertFrame("id: 1\ndata:  x\ndata:   y\n\n", EventFrame.Encode(1, null, " x\n  y"u8));
    }

    [Fact]
    public void Encode_NulAndNonAsciiBytes_PassThroughUnchanged()
    {
        byte[] data = [0x00, (byte)'a', 0xC3, 0xBC, 0xF0, 0x9F, 0x98, 0x80, 0x00];
        byte[] expected = [.. "id: 9\ndata: "u8, .. data, .. "\n\n"u8];
        Assert.Equal(expected, EventFrame.Encode(9, null, data));
    }

    [Fact]
    public void Encode_LargestId_WritesAllNineteenDigits()
    {
        AssertFrame("id: 9223372036854775807\ndata: x\n\n", EventFrame.Encode(long.MaxValue, null, "x"u8));
    }

    public static TheoryData<long, string?, string> SizeCases()
    {
        TheoryData<long, string?, string> cases = [];
        long[] ids = [1, 9, 10, 99, 100, 999, 1000, 123_456_789, 1_000_000_000_000, long.MaxValue - 1, long.MaxValue];
        string?[] types = [null, "t", "a.b:c-d_e", s_longType];
        string[] payloads = ["", "x", "\n", "\n\n\n", "a\nb", "a\n", "\na", " lead", "ü€😀", "a\0b", new string('z', 5000) + "\n" + new string('y', 70_000)];
        foreach (long id in ids)
        {
            foreach (string? type in types)
            {
                foreach (string payload in payloads)
                {
                    cases.Add(id, type, payload);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(SizeCases))]
    public void GetSize_AnyFrame_EqualsWrittenLength(long id, string? eventType, string payload)
    {
        byte[] data = Encoding.UTF8.GetBytes(payload);
        byte[] destination = new byte[EventFrame.GetSize(id, eventType, data) + 64];

        int written = EventFrame.Write(destination, id, eventType, data);

        Assert.Equal(EventFrame.GetSize(id, eventType, data), written);
        Assert.Equal(written, EventFrame.Encode(id, eventType, data).Length);
    }

    [Theory]
    [MemberData(nameof(SizeCases))]
    public void Write_BufferWriter_GivesSameBytesAsEncode(long id, string? eventType, string payload)
    {
        byte[] data = Encoding.UTF8.GetBytes(payload);
        ArrayBufferWriter<byte> writer = new(1);
        writer.Write("prefix"u8);

        EventFrame.Write(writer, id, eventType, data);

        Assert.Equal([.. "prefix"u8, .. EventFrame.Encode(id, eventType, data)], writer.WrittenSpan.ToArray());
    }

    [Theory]
    [MemberData(nameof(SizeCases))]
    public void WriteAfterId_AnyEvent_IsTheEncodedFrameAfterItsIdField(long id, string? eventType, string payload)
    {
        byte[] data = Encoding.UTF8.GetBytes(payload);
        byte[] frame = EventFrame.Encode(id, eventType, data);
        ArrayBufferWriter<byte> writer = new(1);

        EventFrame.WriteAfterId(writer, eventType, data);

        Assert.Equal(frame[EventFrame.IdFieldLength(id)..], writer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(1, "id: 1\n\n")]
    [InlineData(9223372036854775807, "id: 9223372036854775807\n\n")]
    public void WriteIdOnly_Id_WritesOnlyTheIdFieldWhichMovesTheLastIdWithoutDispatching(long id, string expected)
    {
        ArrayBufferWriter<byte> writer = new();
        writer.Write(EventFrame.Encode(1, null, "x"u8));

        EventFrame.WriteIdOnly(writer, id);

        Assert.EndsWith(expected, Encoding.UTF8.GetString(writer.WrittenSpan), StringComparison.Ordinal);
        SseParser<string> parser = SseParser.Create(new MemoryStream(writer.WrittenSpan.ToArray()));
        Assert.Single(parser.Enumerate());
        Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), parser.LastEventId);
    }

    [Fact]
    public void Write_Span_WritesNothingPastTheFrame()
    {
        byte[] destination = new byte[64];
        Array.Fill(destination, (byte)0xAA);

        int written = EventFrame.Write(destination, 12, "t", "a\nb"u8);

        Assert.Equal("id: 12\nevent: t\ndata: a\ndata: b\n\n", Encoding.UTF8.GetString(destination, 0, written));
        Assert.All(destination[written..], b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public void WriteControl_AnyControlFrame_HasNoIdLine()
    {
        ArrayBufferWriter<byte> writer = new();

        EventFrame.WriteControl(writer, "hello"u8, "{\"a\":1}"u8);

        AssertFrame("event: hello\ndata: {\"a\":1}\n\n", writer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(0, "retry: 0\n\n")]
    [InlineData(3000, "retry: 3000\n\n")]
    [InlineData(int.MaxValue, "retry: 2147483647\n\n")]
    public void WriteRetry_Milliseconds_WritesRetryFieldAloneInItsBlock(int milliseconds, string expected)
    {
        ArrayBufferWriter<byte> writer = new();

        EventFrame.WriteRetry(writer, milliseconds);

        AssertFrame(expected, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteRetry_ParsedByRuntime_SetsReconnectionInterval()
    {
        ArrayBufferWriter<byte> writer = new();
        EventFrame.WriteRetry(writer, 2500);
        writer.Write(EventFrame.Encode(1, null, "x"u8));

        SseParser<string> parser = SseParser.Create(new MemoryStream(writer.WrittenSpan.ToArray()));
        SseItem<string> item = Assert.Single(parser.Enumerate());

        Assert.Equal(TimeSpan.FromMilliseconds(2500), parser.ReconnectionInterval);
        Assert.Equal("x", item.Data);
    }

    [Fact]
    public void Heartbeat_Always_IsACommentThatDispatchesNothing()
    {
        byte[] heartbeat = EventFrame.Heartbeat.ToArray();

        Assert.Equal(":\n\n"u8.ToArray(), heartbeat);
        Assert.Empty(SseParser.Create(new MemoryStream(heartbeat)).Enumerate());
    }

    /// <summary>Payloads as a publisher sends them, before <see cref="Payloads.NormalizeLineBreaks"/>.</summary>
    public static TheoryData<string> RoundTripPayloads() =>
    [
        "x",
        "{\"order\":42,\"items\":[1,2,3]}",
        "a\nb",
        "a\rb",
        "a\r\nb",
        "a\r\nb\nc\rd",
        "a\n\rb",
        "a\r\rb",
        "a\r\r\nb",
        "x\n",
        "x\r\n",
        "x\r",
        "x\n\n",
        "x\r\n\r\n",
        "\nx",
        "\r\nx",
        "\n",
        "\r",
        "\r\n",
        "\n\n\n",
        " x",
        "  x",
        "a\n b\n  c",
        " ",
        "a\0b",
        "\0",
        "\uFEFFx",
        "\uFEFF",
        "😀 ü € 日本",
        "a\n\nb",
        "a\r\n\r\nb",
        "data: x",
        ": not a comment",
        "id: 5",
        "event: y",
        "\t tab",
    ];

    [Theory]
    [MemberData(nameof(RoundTripPayloads))]
    public void Encode_ParsedByRuntime_GivesPayloadWithLineFeedsIdAndType(string payload)
    {
        string expected = payload.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        ReadOnlyMemory<byte> data = Payloads.NormalizeLineBreaks(Encoding.UTF8.GetBytes(payload));
        MemoryStream stream = new();
        stream.Write(EventFrame.Encode(1, null, data.Span));
        stream.Write(EventFrame.Encode(2, "typed.event:v1", data.Span));
        stream.Write(EventFrame.Heartbeat);
        ArrayBufferWriter<byte> writer = new();
        EventFrame.Write(writer, long.MaxValue, null, data.Span);
        stream.Write(writer.WrittenSpan);
        byte[] output = stream.ToArray();

        List<SseItem<string>> items = [.. SseParser.Create(new MemoryStream(output)).Enumerate()];

        Assert.Collection(
            items,
            item => AssertItem(item, expected, "1", "message"),
            item => AssertItem(item, expected, "2", "typed.event:v1"),
            item => AssertItem(item, expected, "9223372036854775807", "message"));
        AssertNoCrNorEmptyId(output);
    }

    [Fact]
    public void Encode_ControlFramesBetweenEvents_ParseWithTheirTypeAndDoNotChangeTheLastId()
    {
        ArrayBufferWriter<byte> writer = new();
        EventFrame.WriteRetry(writer, 1000);
        EventFrame.WriteControl(writer, "hello"u8, "{\"last\":0}"u8);
        EventFrame.Write(writer, 1, null, "a"u8);
        EventFrame.WriteControl(writer, "gap"u8, "{\"lastEventId\":1,\"first\":5}"u8);
        EventFrame.Write(writer, 5, null, "b"u8);
        byte[] output = writer.WrittenSpan.ToArray();

        SseParser<string> parser = SseParser.Create(new MemoryStream(output));
        List<SseItem<string>> items = [.. parser.Enumerate()];

        Assert.Equal(["hello", "message", "gap", "message"], items.Select(i => i.EventType));
        Assert.Equal(["{\"last\":0}", "a", "{\"lastEventId\":1,\"first\":5}", "b"], items.Select(i => i.Data));
        Assert.Equal("5", parser.LastEventId);
        AssertNoCrNorEmptyId(output);
    }

    private static void AssertItem(SseItem<string> item, string data, string id, string type)
    {
        Assert.Equal(data, item.Data);
        Assert.Equal(id, item.EventId);
        Assert.Equal(type, item.EventType);
    }

    private static void AssertNoCrNorEmptyId(byte[] output)
    {
        Assert.DoesNotContain((byte)'\r', output);
        string text = Encoding.UTF8.GetString(output);
        Assert.DoesNotContain("id:\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("id: \n", text, StringComparison.Ordinal);
    }

    private static void AssertFrame(string expected, byte[] actual)
    {
        // Compare as text first for a readable failure, then as bytes.
        Assert.Equal(expected, Encoding.UTF8.GetString(actual));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), actual);
    }
}
