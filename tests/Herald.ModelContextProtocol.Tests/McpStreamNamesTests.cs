using System.Text.RegularExpressions;

namespace Herald.ModelContextProtocol.Tests;

public sealed partial class McpStreamNamesTests
{
    [Theory]
    [InlineData("A2SFd3vw1R3bHdbhSfywHg", "2")]
    [InlineData("", "")]
    [InlineData("session with spaces/and:colons", "\"request id\" ✓")]
    [InlineData("x", "__get__")]
    public void Names_are_valid_herald_stream_names_and_the_same_for_the_same_ids(string session, string stream)
    {
        string name = McpStreamNames.ForEventStream(session, stream);

        Assert.Matches(HeraldStreamName(), name);
        Assert.True(McpStreamNames.IsEventStreamName(name));
        Assert.Equal(name, McpStreamNames.ForEventStream(session, stream));
        Assert.Matches(HeraldStreamName(), McpStreamNames.ForSession(session));
    }

    [Fact]
    public void Session_and_stream_ids_cannot_trade_characters_and_collide() =>
        Assert.NotEqual(McpStreamNames.ForEventStream("ab", "c"), McpStreamNames.ForEventStream("a", "bc"));

    [Fact]
    public void Event_streams_and_session_records_live_under_different_names() =>
        Assert.NotEqual(McpStreamNames.ForEventStream("s", ""), McpStreamNames.ForSession("s"));

    // Herald's rule (docs/protocol.md): 1–128 characters of A-Z a-z 0-9 _ . -, not starting with a dot.
    [GeneratedRegex(@"^(?!\.)[A-Za-z0-9_.\-]{1,128}$")]
    private static partial Regex HeraldStreamName();
}
