using System.Text.Json;
using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Http.Formats;

/// <summary>docs/protocol.md "Streams": every error is an RFC 9457 problem+json body with <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>.</summary>
public sealed class ProblemsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WriteAsync_BatchLineProblem_WritesProblemJsonWithLine()
    {
        DefaultHttpContext context = Context();
        Problem problem = Problem.BadRequest("invalid-batch-line", "Invalid batch line", "bad") with { Line = 7 };

        await Problems.WriteAsync(context, problem).WaitAsync(s_timeout);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        using JsonDocument body = Body(context);
        Assert.Equal("urn:herald:problem:invalid-batch-line", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("Invalid batch line", body.RootElement.GetProperty("title").GetString());
        Assert.Equal(400, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("bad", body.RootElement.GetProperty("detail").GetString());
        Assert.Equal(7, body.RootElement.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task WriteAsync_NoLine_OmitsLineMember()
    {
        DefaultHttpContext context = Context();

        await Problems.WriteAsync(context, Problem.InvalidPosition("Last-Event-ID")).WaitAsync(s_timeout);

        using JsonDocument body = Body(context);
        Assert.False(body.RootElement.TryGetProperty("line", out _));
        Assert.Contains("Last-Event-ID", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_Unavailable_SetsRetryAfterAnd503()
    {
        DefaultHttpContext context = Context();

        await Problems.WriteAsync(context, Problem.Unavailable("down")).WaitAsync(s_timeout);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
    }

    [Theory]
    [InlineData("", "an empty name")]
    [InlineData("a b", "'a b'")]
    [InlineData("a\nb", "'a?b'")]
    public void InvalidStreamName_AnyName_DescribesItSafely(string name, string shown)
    {
        Problem problem = Problem.InvalidStreamName(name);

        Assert.Equal(400, problem.Status);
        Assert.Contains(shown, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidStreamName_LongName_EchoesOnlyAPrefix()
    {
        Problem problem = Problem.InvalidStreamName(new string('n', 1000));

        Assert.Contains(new string('n', 40) + "…", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('n', 41), problem.Detail, StringComparison.Ordinal);
    }

    private static DefaultHttpContext Context()
    {
        DefaultHttpContext context = new() { RequestServices = new ServiceCollection().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static JsonDocument Body(DefaultHttpContext context) =>
        JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
}
