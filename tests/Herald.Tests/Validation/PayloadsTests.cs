using System.Runtime.InteropServices;
using System.Text;
using Herald.Validation;

namespace Herald.Tests.Validation;

/// <summary>docs/protocol.md "Publish": the body is UTF-8; CR, LF and CRLF each end a line and are stored as LF.</summary>
public sealed class PayloadsTests
{
    public static TheoryData<byte[]> ValidUtf8() =>
    [
        [],
        "x"u8.ToArray(),
        Encoding.UTF8.GetBytes("ü € 😀 日本"),
        [0x00],
        [0xEF, 0xBB, 0xBF, (byte)'x'], // BOM
        [0xF4, 0x8F, 0xBF, 0xBF], // U+10FFFF
    ];

    public static TheoryData<byte[]> InvalidUtf8() =>
    [
        [0xFF],
        [0xC3], // truncated two-byte sequence
        [(byte)'a', 0xC3],
        [0xC0, 0x80], // overlong NUL
        [0xE0, 0x80, 0x80], // overlong
        [0xED, 0xA0, 0x80], // UTF-16 surrogate D800
        [0xF4, 0x90, 0x80, 0x80], // above U+10FFFF
        [0x80], // lone continuation byte
        [0xF0, 0x9F, 0x98], // truncated emoji
    ];

    [Theory]
    [MemberData(nameof(ValidUtf8))]
    public void IsValidUtf8_WellFormed_ReturnsTrue(byte[] data) => Assert.True(Payloads.IsValidUtf8(data));

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void IsValidUtf8_IllFormed_ReturnsFalse(byte[] data) => Assert.False(Payloads.IsValidUtf8(data));

    [Theory]
    [InlineData("a\rb", "a\nb")]
    [InlineData("a\r\nb", "a\nb")]
    [InlineData("a\nb", "a\nb")]
    [InlineData("a\r\r\nb", "a\n\nb")]
    [InlineData("a\n\rb", "a\n\nb")]
    [InlineData("a\r\rb", "a\n\nb")]
    [InlineData("\r", "\n")]
    [InlineData("\r\n", "\n")]
    [InlineData("\r\n\r\n", "\n\n")]
    [InlineData("x\r", "x\n")]
    [InlineData("\rx", "\nx")]
    [InlineData("a\r\nb\nc\rd", "a\nb\nc\nd")]
    [InlineData("ü\r\n😀\r", "ü\n😀\n")]
    public void NormalizeLineBreaks_WithCarriageReturns_ReplacesEachBreakByOneLineFeed(string input, string expected)
    {
        ReadOnlyMemory<byte> normalized = Payloads.NormalizeLineBreaks(Encoding.UTF8.GetBytes(input));

        Assert.Equal(expected, Encoding.UTF8.GetString(normalized.Span));
        Assert.DoesNotContain((byte)'\r', normalized.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("a\nb\n")]
    [InlineData("\n\n")]
    public void NormalizeLineBreaks_NoCarriageReturn_ReturnsSameMemory(string input)
    {
        byte[] array = Encoding.UTF8.GetBytes("prefix" + input + "suffix");
        ReadOnlyMemory<byte> data = array.AsMemory(6, Encoding.UTF8.GetByteCount(input));

        ReadOnlyMemory<byte> normalized = Payloads.NormalizeLineBreaks(data);

        Assert.True(MemoryMarshal.TryGetArray(normalized, out ArraySegment<byte> segment));
        Assert.Same(array, segment.Array);
        Assert.Equal(6, segment.Offset);
        Assert.Equal(data.Length, segment.Count);
    }

    [Fact]
    public void NormalizeLineBreaks_SliceOfLargerBuffer_ReadsOnlyTheSlice()
    {
        byte[] array = "\r\rab\r\ncd\r\r"u8.ToArray();

        ReadOnlyMemory<byte> normalized = Payloads.NormalizeLineBreaks(array.AsMemory(2, 6));

        Assert.Equal("ab\ncd", Encoding.UTF8.GetString(normalized.Span));
    }
}
