using Herald.Validation;

namespace Herald.Tests.Validation;

/// <summary>docs/protocol.md "Subscribe": a position is a canonical decimal in 0 … 9223372036854775807.</summary>
public sealed class StreamPositionTests
{
    public static TheoryData<string, long> Valid() => new()
    {
        { "0", 0 },
        { "1", 1 },
        { "9", 9 },
        { "10", 10 },
        { "100", 100 },
        { "1234567890", 1_234_567_890 },
        { "999999999999999999", 999_999_999_999_999_999 },
        { "1000000000000000000", 1_000_000_000_000_000_000 },
        { "9223372036854775806", long.MaxValue - 1 },
        { "9223372036854775807", long.MaxValue },
    };

    public static TheoryData<string> Invalid() =>
    [
        "",
        "-1",
        "-0",
        "+1",
        "+0",
        "01",
        "00",
        "007",
        " 1",
        "1 ",
        " ",
        "1.0",
        "1e3",
        "1,000",
        "1_000",
        "0x10",
        "abc",
        "1a",
        "a1",
        "9223372036854775808",
        "9999999999999999999",
        "10000000000000000000",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999",
        "\uff11", // full-width 1
        "٣", // Arabic-Indic 3
        "1\0",
        "\t1",
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void TryParse_CanonicalDecimal_ReturnsTrueAndValue(string text, long expected)
    {
        Assert.True(StreamPosition.TryParse(text, out long position));
        Assert.Equal(expected, position);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TryParse_NonCanonicalOrOutOfRange_ReturnsFalseAndZero(string text)
    {
        Assert.False(StreamPosition.TryParse(text, out long position));
        Assert.Equal(0, position);
    }
}
