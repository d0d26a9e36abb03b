namespace Herald.Client.Tests;

public sealed class StreamCursorTests
{
    [Fact]
    public void Parse_Pairs_KeepsOrderAndPositionsAndFormatsBackTheSameText()
    {
        StreamCursor cursor = StreamCursor.Parse("orders:42,prices:0,a.b-c_d:9223372036854775807");

        Assert.Equal(["orders", "prices", "a.b-c_d"], cursor.Positions.Select(p => p.Key));
        Assert.Equal([42L, 0L, long.MaxValue], cursor.Positions.Select(p => p.Value));
        Assert.Equal("orders:42,prices:0,a.b-c_d:9223372036854775807", cursor.ToString());
        Assert.True(cursor.TryGetPosition("prices", out long prices) && prices == 0);
        Assert.False(cursor.TryGetPosition("stock", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("orders")]
    [InlineData("orders:")]
    [InlineData(":1")]
    [InlineData("orders:1,")]
    [InlineData(",orders:1")]
    [InlineData("orders:1,,prices:2")]
    [InlineData("orders:01")]
    [InlineData("orders:-1")]
    [InlineData("orders:+1")]
    [InlineData("orders: 1")]
    [InlineData("orders:9223372036854775808")]
    [InlineData("orders:1,orders:2")]
    public void TryParse_NotACursor_ReturnsFalseAndParseThrows(string text)
    {
        Assert.False(StreamCursor.TryParse(text, out StreamCursor? cursor));
        Assert.Null(cursor);
        Assert.Throws<FormatException>(() => StreamCursor.Parse(text));
    }

    [Fact]
    public void With_ReplacesInPlaceOrAppendsAndLeavesTheOriginalAlone()
    {
        StreamCursor original = StreamCursor.Parse("orders:1,prices:2");

        Assert.Equal("orders:5,prices:2", original.With("orders", 5).ToString());
        Assert.Equal("orders:1,prices:2,stock:0", original.With("stock", 0).ToString());
        Assert.Equal("orders:1,prices:2", original.ToString());
        Assert.Equal("stock:3", StreamCursor.Empty.With("stock", 3).ToString());
        Assert.Throws<ArgumentException>(() => original.With("a,b", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => original.With("orders", -1));
    }
}
