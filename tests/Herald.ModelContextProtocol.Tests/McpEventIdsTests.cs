namespace Herald.ModelContextProtocol.Tests;

public sealed class McpEventIdsTests
{
    private static readonly string s_stream = McpStreamNames.ForEventStream("session", "2");

    [Theory]
    [InlineData(1L)]
    [InlineData(42L)]
    [InlineData(long.MaxValue)]
    public void An_id_parses_back_to_its_stream_and_position(long position)
    {
        string id = McpEventIds.Format(s_stream, position);

        Assert.True(McpEventIds.TryParse(id, out string stream, out long parsed));
        Assert.Equal(s_stream, stream);
        Assert.Equal(position, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData(":7")]
    [InlineData("{0}")]
    [InlineData("{0}:")]
    [InlineData("{0}:0")]
    [InlineData("{0}:07")]
    [InlineData("{0}:+7")]
    [InlineData("{0}:-7")]
    [InlineData("{0}: 7")]
    [InlineData("{0}:7:8")]
    [InlineData("{0}:99999999999999999999")]
    [InlineData("{0}x:7")]
    [InlineData("mcp.s.00000000000000000000000000000000:7")]
    [InlineData("mcp.e.0000000000000000000000000000000:7")]
    [InlineData("mcp.e.0000000000000000000000000000000A:7")]
    [InlineData("orders:7")]
    public void A_foreign_or_malformed_id_does_not_parse(string template)
    {
        string id = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, s_stream);

        Assert.False(McpEventIds.TryParse(id, out _, out _));
    }

    [Fact]
    public void A_null_id_does_not_parse() => Assert.False(McpEventIds.TryParse(null, out _, out _));
}
