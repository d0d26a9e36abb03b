using Herald.Validation;

namespace Herald.Tests.Validation;

/// <summary>docs/protocol.md "Publish": an <c>Idempotency-Key</c> is 1–200 characters in 0x21–0x7E.</summary>
public sealed class IdempotencyKeysTests
{
    public static TheoryData<string> Valid()
    {
        TheoryData<string> keys =
        [
            "550e8400-e29b-41d4-a716-446655440000",
            "\"quoted\"",
            new string('k', IdempotencyKeys.MaxLength),
        ];

        // Every allowed character alone, so an off-by-one at either end of the range shows.
        for (char c = '\x21'; c <= '\x7E'; c++)
        {
            keys.Add(c.ToString());
        }

        return keys;
    }

    public static TheoryData<string> Invalid() =>
    [
        "",
        new string('k', IdempotencyKeys.MaxLength + 1),
        " ",
        "a b",
        " a",
        "a ",
        "\x7F",
        "a\x7F",
        "\x00",
        "\t",
        "\n",
        "\x1F",
        "\x80",
        "\u00A0",
        "ü",
        "😀",
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void IsValid_PrintableAsciiKey_ReturnsTrue(string key) => Assert.True(IdempotencyKeys.IsValid(key));

    [Theory]
    [MemberData(nameof(Invalid))]
    public void IsValid_DisallowedKey_ReturnsFalse(string key) => Assert.False(IdempotencyKeys.IsValid(key));

    [Fact]
    public void MaxLength_Always_Is200() => Assert.Equal(200, IdempotencyKeys.MaxLength);
}
