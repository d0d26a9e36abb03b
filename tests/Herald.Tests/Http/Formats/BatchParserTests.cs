using System.Runtime.InteropServices;
using System.Text;
using Herald.Http.Formats;
using Herald.Validation;

namespace Herald.Tests.Http.Formats;

/// <summary>docs/protocol.md "Batch publish": NDJSON of <c>{"data": …, "event"?: …}</c>, all or nothing, errors name the line from 1.</summary>
public sealed class BatchParserTests
{
    private const int MaxEvents = 10_000;

    [Fact]
    public void Parse_StringData_IsTheStringAsIs()
    {
        EventData parsed = Assert.Single(ParseOk("{\"data\":\"hello world\"}"));

        Assert.Equal("hello world", Text(parsed));
        Assert.Null(parsed.EventType);
    }

    [Fact]
    public void Parse_UnescapedStringData_SharesTheBodyBytes()
    {
        byte[] body = "{\"data\":\"hello\"}"u8.ToArray();

        EventData parsed = Assert.Single(BatchParser.Parse(body, MaxEvents).Events!);

        Assert.True(MemoryMarshal.TryGetArray(parsed.Data, out ArraySegment<byte> segment));
        Assert.Same(body, segment.Array);
        Assert.Equal("hello", Text(parsed));
    }

    [Theory]
    [InlineData("{\"data\":\"a\\nb\"}", "a\nb")]
    [InlineData("{\"data\":\"a\\r\\nb\"}", "a\nb")]
    [InlineData("{\"data\":\"a\\rb\"}", "a\nb")]
    [InlineData("{\"data\":\"\\\"quoted\\\"\"}", "\"quoted\"")]
    [InlineData("{\"data\":\"back\\\\slash\"}", "back\\slash")]
    [InlineData("{\"data\":\"\\u00fc \\u20ac\"}", "ü €")]
    [InlineData("{\"data\":\"\\ud83d\\ude00\"}", "😀")]
    [InlineData("{\"data\":\"tab\\there\"}", "tab\there")]
    [InlineData("{\"data\":\"\\/\"}", "/")]
    [InlineData("{\"data\":\"\\u0000\"}", "\0")]
    [InlineData("{\"data\":\"  spaced  \"}", "  spaced  ")]
    [InlineData("{\"data\":\"ü 😀\"}", "ü 😀")]
    public void Parse_StringData_IsUnescapedAndLineBreaksNormalized(string line, string expected)
    {
        Assert.Equal(expected, Text(Assert.Single(ParseOk(line))));
    }

    [Theory]
    [InlineData("{\"data\": { \"a\" : 1 , \"b\" : [ 1 , 2 ] } }", "{\"a\":1,\"b\":[1,2]}")]
    [InlineData("{\"data\":{\"s\": \"x y\\\" z\\\\\", \"t\" :\"\\n\"}}", "{\"s\":\"x y\\\" z\\\\\",\"t\":\"\\n\"}")]
    [InlineData("{\"data\":\t[ 1,\t2 ,3 ]\t}", "[1,2,3]")]
    [InlineData("{\"data\": [ ] }", "[]")]
    [InlineData("{\"data\": { } }", "{}")]
    [InlineData("{\"data\": 42 }", "42")]
    [InlineData("{\"data\":-1.5e3,\"event\":\"t\"}", "-1.5e3")]
    [InlineData("{\"data\": 0.10 , \"event\":\"t\"}", "0.10")]
    [InlineData("{\"data\": true}", "true")]
    [InlineData("{\"data\": false }", "false")]
    [InlineData("{\"data\": null}", "null")]
    [InlineData("{\"data\":[\"a b\", {\"c\" : \" \"}]}", "[\"a b\",{\"c\":\" \"}]")]
    [InlineData("{\"data\":{\"u\":\"\\u00fc\", \"e\": \"ü\"}}", "{\"u\":\"\\u00fc\",\"e\":\"ü\"}")]
    public void Parse_NonStringData_IsCompactJsonWithStringsUntouched(string line, string expected)
    {
        Assert.Equal(expected, Text(Assert.Single(ParseOk(line))));
    }

    [Theory]
    [InlineData("{\"data\":\"x\"}", null)]
    [InlineData("{\"data\":\"x\",\"event\":null}", null)]
    [InlineData("{\"event\":null,\"data\":\"x\"}", null)]
    [InlineData("{\"data\":\"x\",\"event\":\"order.created\"}", "order.created")]
    [InlineData("{\"event\":\"urn:a:b_c-d\",\"data\":\"x\"}", "urn:a:b_c-d")]
    [InlineData("{ \"event\" : \"t\" , \"data\" : { \"k\" : 1 } }", "t")]
    public void Parse_EventMember_IsOptionalAndMayBeNull(string line, string? expected)
    {
        Assert.Equal(expected, Assert.Single(ParseOk(line)).EventType);
    }

    [Fact]
    public void Parse_EventTypeOfMaxLength_IsAccepted()
    {
        string type = new('e', EventTypes.MaxLength);

        Assert.Equal(type, Assert.Single(ParseOk("{\"data\":\"x\",\"event\":\"" + type + "\"}")).EventType);
    }

    public static TheoryData<string> InvalidEventMembers() =>
    [
        "\"\"",
        "\"a b\"",
        "\"a/b\"",
        "\"ü\"",
        "\"" + new string('e', EventTypes.MaxLength + 1) + "\"",
        "1",
        "true",
        "{}",
        "[\"t\"]",
    ];

    [Theory]
    [MemberData(nameof(InvalidEventMembers))]
    public void Parse_InvalidEventType_FailsOnItsLine(string eventValue)
    {
        AssertFails("{\"data\":\"ok\"}\n{\"data\":\"x\",\"event\":" + eventValue + "}", 2);
    }

    public static TheoryData<string, string> InvalidLines() => new()
    {
        { "unknown member", "{\"data\":\"x\",\"id\":5}" },
        { "unknown member first", "{\"extra\":1,\"data\":\"x\"}" },
        { "duplicate data", "{\"data\":\"x\",\"data\":\"y\"}" },
        { "duplicate data, other type", "{\"data\":{},\"data\":1}" },
        { "duplicate event", "{\"data\":\"x\",\"event\":\"a\",\"event\":\"b\"}" },
        { "duplicate null event", "{\"data\":\"x\",\"event\":null,\"event\":null}" },
        { "missing data", "{}" },
        { "only event", "{\"event\":\"t\"}" },
        { "empty string data", "{\"data\":\"\"}" },
        { "string line", "\"x\"" },
        { "array line", "[{\"data\":\"x\"}]" },
        { "number line", "42" },
        { "null line", "null" },
        { "bare text", "hello" },
        { "trailing garbage", "{\"data\":\"x\"} x" },
        { "two objects on one line", "{\"data\":\"x\"}{\"data\":\"y\"}" },
        { "trailing comma", "{\"data\":\"x\"}," },
        { "trailing comma inside", "{\"data\":\"x\",}" },
        { "unclosed object", "{\"data\":\"x\"" },
        { "unclosed string", "{\"data\":\"x}" },
        { "comment", "{\"data\":\"x\"} // note" },
        { "single quotes", "{'data':'x'}" },
        { "unquoted member", "{data:\"x\"}" },
        { "raw control character in string", "{\"data\":\"a\tb\"}" },
        { "bad escape", "{\"data\":\"\\x41\"}" },
        { "case-sensitive member", "{\"Data\":\"x\"}" },
    };

    [Theory]
    [MemberData(nameof(InvalidLines))]
    public void Parse_InvalidLine_FailsWithItsLineNumberCountingBlankLines(string why, string line)
    {
        // Lines 1 and 3 are valid, 2 and 4 blank: the bad one is line 5 of the body.
        string body = "{\"data\":\"a\"}\n\n{\"data\":\"b\"}\n  \n" + line + "\n{\"data\":\"c\"}\n";

        BatchParseResult result = BatchParser.Parse(Encoding.UTF8.GetBytes(body), MaxEvents);

        Assert.True(result.Events is null, why);
        Assert.Equal(5, result.Line);
        Assert.False(result.TooLarge);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Theory]
    [InlineData("{\"data\":\"\\ud800\"}")]
    [InlineData("{\"data\":\"\\udc00x\"}")]
    [InlineData("{\"data\":\"a\\ud83d\"}")]
    [InlineData("{\"data\":\"x\",\"event\":\"\\ud800\"}")]
    [InlineData("{\"\\ud800\":1,\"data\":\"x\"}")]
    public void Parse_EscapedLoneSurrogate_FailsOnItsLineInsteadOfThrowing(string line)
    {
        // JSON allows "\ud800" syntactically, but it is not text: unescaping it throws InvalidOperationException, which
        // must become a 400 with the line number, not escape as a 500.
        AssertFails("{\"data\":\"a\"}\n" + line, 2);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    public void Parse_InvalidUtf8_FailsWithItsLineNumber(byte[] bad)
    {
        byte[] body = [.. "{\"data\":\"a\"}\n\n{\"data\":\"x"u8, .. bad, .. "\"}\n{\"data\":\"b\"}"u8];

        BatchParseResult result = BatchParser.Parse(body, MaxEvents);

        Assert.Null(result.Events);
        Assert.Equal(3, result.Line);
        Assert.False(result.TooLarge);
    }

    [Fact]
    public void Parse_BlankLinesWhitespaceAndCrLf_AreSkippedAndCounted()
    {
        string body = "\n   \n\t\n\r\n{\"data\":\"a\"}\r\n \t\r\n{\"data\":\"b\",\"event\":\"t\"}\r\n\r\n{\"data\":[1, 2]}\r\n";

        List<EventData> events = ParseOk(body);

        Assert.Equal(["a", "b", "[1,2]"], events.Select(Text));
        Assert.Equal([null, "t", null], events.Select(e => e.EventType));
        Assert.All(events, e => Assert.DoesNotContain((byte)'\r', e.Data.ToArray()));
    }

    [Fact]
    public void Parse_CrLfBody_CountsLinesForErrors()
    {
        BatchParseResult result = BatchParser.Parse("{\"data\":\"a\"}\r\n\r\n{\"data\":\"\"}\r\n"u8.ToArray(), MaxEvents);

        Assert.Null(result.Events);
        Assert.Equal(3, result.Line);
    }

    [Fact]
    public void Parse_NoTrailingLineFeed_ParsesLastLine()
    {
        Assert.Equal(["a", "b"], ParseOk("{\"data\":\"a\"}\n{\"data\":\"b\"}").Select(Text));
    }

    [Fact]
    public void Parse_ManyEvents_KeepsTheirOrder()
    {
        string body = string.Concat(Enumerable.Range(1, 500).Select(i => $"{{\"data\":\"{i}\"}}\n"));

        Assert.Equal(Enumerable.Range(1, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ParseOk(body).Select(Text));
    }

    [Fact]
    public void Parse_ExactlyMaxEvents_Succeeds()
    {
        string body = "{\"data\":\"a\"}\n{\"data\":\"b\"}\n{\"data\":\"c\"}\n\n\n";

        BatchParseResult result = BatchParser.Parse(Encoding.UTF8.GetBytes(body), maxEvents: 3);

        Assert.Equal(3, result.Events?.Count);
    }

    [Fact]
    public void Parse_MoreThanMaxEvents_IsTooLargeAtTheFirstExtraLine()
    {
        string body = "{\"data\":\"a\"}\n\n{\"data\":\"b\"}\n{\"data\":\"c\"}\n{\"data\":\"d\"}\n";

        BatchParseResult result = BatchParser.Parse(Encoding.UTF8.GetBytes(body), maxEvents: 2);

        Assert.Null(result.Events);
        Assert.True(result.TooLarge);
        Assert.Equal(4, result.Line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("\n\n\n")]
    [InlineData("  \r\n\t")]
    public void Parse_NoEvents_Fails(string body)
    {
        BatchParseResult result = BatchParser.Parse(Encoding.UTF8.GetBytes(body), MaxEvents);

        Assert.Null(result.Events);
        Assert.False(result.TooLarge);
        Assert.True(result.Line >= 1);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    private static List<EventData> ParseOk(string body)
    {
        BatchParseResult result = BatchParser.Parse(Encoding.UTF8.GetBytes(body), MaxEvents);
        Assert.True(result.Events is not null, $"line {result.Line}: {result.Error}");
        Assert.Null(result.Error);
        return result.Events;
    }

    private static void AssertFails(string body, int line)
    {
        BatchParseResult result = BatchParser.Parse(Encoding.UTF8.GetBytes(body), MaxEvents);
        Assert.True(result.Events is null, "the batch was accepted");
        Assert.Equal(line, result.Line);
        Assert.False(result.TooLarge);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    private static string Text(EventData e) => Encoding.UTF8.GetString(e.Data.Span);
}
