using Herald.Validation;

namespace Herald.Tests.Validation;

/// <summary>docs/protocol.md "Subscribe to several streams": the composite cursor's grammar, table-driven like one stream's position.</summary>
public sealed class CompositeCursorTests
{
    public static TheoryData<string, string> Malformed => new()
    {
        { "empty", "" },
        { "no colon", "orders" },
        { "no position", "orders:" },
        { "no name", ":5" },
        { "leading zero", "orders:05" },
        { "sign", "orders:+5" },
        { "negative", "orders:-1" },
        { "space after the comma", "orders:1, prices:2" },
        { "space in the position", "orders:1 " },
        { "trailing comma", "orders:1," },
        { "leading comma", ",orders:1" },
        { "empty pair", "orders:1,,prices:2" },
        { "two colons", "orders:1:2" },
        { "invalid name", ".orders:1" },
        { "name too long", new string('a', 129) + ":1" },
        { "duplicate", "orders:1,orders:2" },
        { "overflow", "orders:9223372036854775808" },
        { "more pairs than the limit", "a:1,b:2,c:3,d:4" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryParse_Malformed_IsRefusedWithAReason(string why, string text)
    {
        bool parsed = CompositeCursor.TryParse(text, maxPairs: 3, out _, out string? error);

        Assert.False(parsed, why);
        Assert.False(string.IsNullOrEmpty(error), why);
    }

    [Theory]
    [InlineData("orders:42", "orders", 42)]
    [InlineData("orders:42,prices:17", "prices", 17)]
    [InlineData("a:0,b.c-d_e:9223372036854775807,f:1", "b.c-d_e", 9223372036854775807)]
    public void TryParse_WellFormed_ReadsEachPairsPosition(string text, string stream, long expected)
    {
        Assert.True(CompositeCursor.TryParse(text, maxPairs: 3, out Dictionary<string, long> positions, out string? error), error);

        Assert.Equal(expected, positions[stream]);
        Assert.Equal(text.Split(',').Length, positions.Count);
    }
}
