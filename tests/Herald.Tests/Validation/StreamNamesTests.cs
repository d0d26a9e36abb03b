using Herald.Validation;

namespace Herald.Tests.Validation;

/// <summary>docs/protocol.md "Streams": 1–128 characters of <c>A-Z a-z 0-9 _ . -</c>, not starting with <c>.</c>.</summary>
public sealed class StreamNamesTests
{
    public static TheoryData<string> Valid() =>
    [
        "a",
        "Z",
        "0",
        "_",
        "-",
        "orders",
        "Orders-2024_q1.v2",
        "x.",
        "a..b",
        "-.-",
        new string('a', StreamNames.MaxLength),
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-",
    ];

    public static TheoryData<string> Invalid() =>
    [
        "",
        new string('a', StreamNames.MaxLength + 1),
        ".",
        "..",
        ".x",
        ".hidden",
        "a b",
        " a",
        "a ",
        "ü",
        "caf\u00e9",
        "a/b",
        "/",
        "a\\b",
        "a:b",
        "a+b",
        "a%2Fb",
        "a\0b",
        "a\nb",
        "a\tb",
        "\uff41", // full-width a
        "٣", // Arabic-Indic digit three
        "😀",
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void IsValid_AllowedName_ReturnsTrue(string name) => Assert.True(StreamNames.IsValid(name));

    [Theory]
    [MemberData(nameof(Invalid))]
    public void IsValid_DisallowedName_ReturnsFalse(string name) => Assert.False(StreamNames.IsValid(name));

    [Fact]
    public void MaxLength_Always_Is128() => Assert.Equal(128, StreamNames.MaxLength);
}
