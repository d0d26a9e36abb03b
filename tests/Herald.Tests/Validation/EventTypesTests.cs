using Herald.Validation;

namespace Herald.Tests.Validation;

/// <summary>docs/protocol.md "Publish": an event type is 1–64 characters of <c>A-Z a-z 0-9 _ . : -</c>.</summary>
public sealed class EventTypesTests
{
    public static TheoryData<string> Valid() =>
    [
        "a",
        "message",
        "order.created",
        "urn:herald:v1",
        ":",
        ".leading-dot",
        "under_score-dash",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-".Substring(0, 64),
        new string('e', EventTypes.MaxLength),
    ];

    public static TheoryData<string> Invalid() =>
    [
        "",
        new string('e', EventTypes.MaxLength + 1),
        "a b",
        " a",
        "a ",
        "a\nb",
        "a\rb",
        "a\0",
        "a/b",
        "a;b",
        "a,b",
        "ü",
        "😀",
        "\uff41",
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void IsValid_AllowedType_ReturnsTrue(string type) => Assert.True(EventTypes.IsValid(type));

    [Theory]
    [MemberData(nameof(Invalid))]
    public void IsValid_DisallowedType_ReturnsFalse(string type) => Assert.False(EventTypes.IsValid(type));

    [Fact]
    public void MaxLength_Always_Is64() => Assert.Equal(64, EventTypes.MaxLength);
}
