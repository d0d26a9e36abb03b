using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Herald.Http.Formats;

namespace Herald.Tests.Http.Formats;

/// <summary>Batch data that is not a JSON string is stored as compact JSON: whitespace between tokens goes, strings stay byte for byte.</summary>
public sealed class JsonCompactionTests
{
    [Theory]
    [InlineData("{ \"a\" : 1 }", "{\"a\":1}")]
    [InlineData("[ 1 ,\t2 ,\r\n3 ]", "[1,2,3]")]
    [InlineData(" 42 ", "42")]
    [InlineData("{\"s\": \"with  spaces \"}", "{\"s\":\"with  spaces \"}")]
    [InlineData("{\"s\": \"q\\\" x \\\" y\"}", "{\"s\":\"q\\\" x \\\" y\"}")]
    [InlineData("[\"\\\\\", \"\\\\ \", \" \\\\\"]", "[\"\\\\\",\"\\\\ \",\" \\\\\"]")]
    [InlineData("[\"\\\\\\\"\" , 1]", "[\"\\\\\\\"\",1]")]
    [InlineData("{\"k e y\" : \"v a l\"}", "{\"k e y\":\"v a l\"}")]
    [InlineData("{\"e\": \"\\n\\t\\r\\u0020\"}", "{\"e\":\"\\n\\t\\r\\u0020\"}")]
    [InlineData("{ \"ü\" : \"😀 €\" }", "{\"ü\":\"😀 €\"}")]
    [InlineData("{ \"a\" : { \"b\" : [ { } , [ ] , null , true , false , -1.5e-3 ] } }", "{\"a\":{\"b\":[{},[],null,true,false,-1.5e-3]}}")]
    public void Compact_WhitespaceBetweenTokens_IsRemovedAndStringsKept(string json, string expected)
    {
        ReadOnlyMemory<byte> compact = JsonCompaction.Compact(Encoding.UTF8.GetBytes(json));

        Assert.Equal(expected, Encoding.UTF8.GetString(compact.Span));
        AssertSameJson(json, expected);
    }

    [Theory]
    [InlineData("{\"a\":1}")]
    [InlineData("[\"with spaces\",\"and\\\" quote \\\\\"]")]
    [InlineData("\"  \"")]
    [InlineData("42")]
    [InlineData("{}")]
    public void Compact_AlreadyCompact_ReturnsSameMemory(string json)
    {
        byte[] array = Encoding.UTF8.GetBytes("xx" + json + "yy");
        ReadOnlyMemory<byte> input = array.AsMemory(2, array.Length - 4);

        ReadOnlyMemory<byte> compact = JsonCompaction.Compact(input);

        Assert.True(MemoryMarshal.TryGetArray(compact, out ArraySegment<byte> segment));
        Assert.Same(array, segment.Array);
        Assert.Equal(2, segment.Offset);
        Assert.Equal(input.Length, segment.Count);
    }

    private static void AssertSameJson(string original, string compact)
    {
        // The compact text is the same JSON document: what System.Text.Json writes for both matches.
        using JsonDocument a = JsonDocument.Parse(original);
        using JsonDocument b = JsonDocument.Parse(compact);
        Assert.True(JsonElement.DeepEquals(a.RootElement, b.RootElement));
    }
}
