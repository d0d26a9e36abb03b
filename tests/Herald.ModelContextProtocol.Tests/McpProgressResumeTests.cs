using System.Text.Json;
using Herald.ModelContextProtocol.Tests.Infrastructure;

namespace Herald.ModelContextProtocol.Tests;

/// <summary>
/// The end-to-end claim with the MCP SDK itself: samples/McpProgress runs as a real process with a SQLite file, a tool
/// call streams progress, the process is killed with SIGKILL, a new process starts on the same port and file, and the
/// client resumes with <c>Last-Event-ID</c> and <c>Mcp-Session-Id</c> as the Streamable HTTP transport does.
/// </summary>
public sealed class McpProgressResumeTests
{
    private const int Steps = 20;
    private const int SeenBeforeTheCrash = 7;

    [Fact]
    public async Task After_sigkill_and_restart_a_resume_gets_the_rest_of_a_finished_call_once_in_order_and_then_the_stream_ends()
    {
        using TempDirectory dir = new();
        string database = dir.File("mcp.db");
        using RawMcpClient client = new();
        await using McpServerProcess first = await McpServerProcess.StartAsync(database);
        Uri url = first.BaseAddress;
        await client.InitializeAsync(url);

        List<SseMessage> original;
        using (HttpResponseMessage call = await client.CallCountAsync(url, requestId: 2, Steps, hold: false))
        {
            using CancellationTokenSource timeout = new(TestTimeouts.Bulk);
            original = await RawMcpClient.ReadEventsAsync(call, timeout.Token).ToListAsync(timeout.Token);
        }

        List<SseMessage> messages = [.. original.Where(e => e.EventType == "message")];
        Assert.Equal(Enumerable.Range(1, Steps), messages.Take(Steps).Select(ProgressOf));
        Assert.Equal("counted to " + Steps, ResultTextOf(messages[Steps]));
        Assert.Equal(Steps + 1, messages.Count);

        // The client saw up to step 7; everything after it is what it must still get, byte for byte, with the same IDs.
        string lastSeen = messages[SeenBeforeTheCrash - 1].Id!;
        List<SseMessage> expected = messages[SeenBeforeTheCrash..];

        await first.KillAsync();
        await using McpServerProcess second = await McpServerProcess.StartAsync(database, url.ToString());
        using HttpResponseMessage resumed = await client.ResumeAsync(url, lastSeen);
        await RawMcpClient.EnsureSuccessAsync(resumed, "resume", second.Output);
        using CancellationTokenSource resumeTimeout = new(TestTimeouts.Bulk);

        // To the end of the response: the final result ends the replay, so anything repeated or extra would be seen.
        List<SseMessage> replayed = await RawMcpClient.ReadEventsAsync(resumed, resumeTimeout.Token).ToListAsync(resumeTimeout.Token);

        Assert.Equal(expected, replayed);
    }

    [Fact]
    public async Task After_sigkill_mid_call_and_restart_a_resume_gets_every_notification_after_the_last_seen_once_in_order()
    {
        using TempDirectory dir = new();
        string database = dir.File("mcp.db");
        using RawMcpClient client = new();
        await using McpServerProcess first = await McpServerProcess.StartAsync(database);
        Uri url = first.BaseAddress;
        await client.InitializeAsync(url);

        // hold: the tool keeps running after its last step, so the kill lands while the call's stream is still open.
        List<SseMessage> messages = [];
        using (HttpResponseMessage call = await client.CallCountAsync(url, requestId: 2, Steps, hold: true))
        {
            using CancellationTokenSource timeout = new(TestTimeouts.Bulk);
            await foreach (SseMessage e in RawMcpClient.ReadEventsAsync(call, timeout.Token))
            {
                if (e.EventType == "message")
                {
                    messages.Add(e);
                }

                if (messages.Count == Steps)
                {
                    break;
                }
            }

            Assert.Equal(Enumerable.Range(1, Steps), messages.Select(ProgressOf));
            await first.KillAsync();
        }

        string lastSeen = messages[SeenBeforeTheCrash - 1].Id!;
        List<SseMessage> expected = messages[SeenBeforeTheCrash..];

        await using McpServerProcess second = await McpServerProcess.StartAsync(database, url.ToString());
        using HttpResponseMessage resumed = await client.ResumeAsync(url, lastSeen);
        await RawMcpClient.EnsureSuccessAsync(resumed, "resume", second.Output);

        // The killed call never answers, so its stream never ends: take as many events as were stored after the last
        // seen one. A gap, a repeat or a reordering among them fails the comparison.
        using CancellationTokenSource resumeTimeout = new(TestTimeouts.Bulk);
        List<SseMessage> replayed = await RawMcpClient.ReadEventsAsync(resumed, resumeTimeout.Token).Take(expected.Count).ToListAsync(resumeTimeout.Token);

        Assert.Equal(expected, replayed);
    }

    [Fact]
    public async Task On_redis_a_call_streamed_by_one_node_resumes_on_another_node_once_in_order_and_then_the_stream_ends()
    {
        using TempDirectory dir = new();
        await using RedisProcess redis = await RedisProcess.StartAsync();
        using RawMcpClient client = new();
        await using McpServerProcess a = await McpServerProcess.StartAsync(dir.File("unused-a.db"), redis: redis.Uri);
        await using McpServerProcess b = await McpServerProcess.StartAsync(dir.File("unused-b.db"), redis: redis.Uri);
        await client.InitializeAsync(a.BaseAddress);

        List<SseMessage> original;
        using (HttpResponseMessage call = await client.CallCountAsync(a.BaseAddress, requestId: 2, Steps, hold: false))
        {
            using CancellationTokenSource timeout = new(TestTimeouts.Bulk);
            original = await RawMcpClient.ReadEventsAsync(call, timeout.Token).ToListAsync(timeout.Token);
        }

        List<SseMessage> messages = [.. original.Where(e => e.EventType == "message")];
        Assert.Equal(Steps + 1, messages.Count);
        string lastSeen = messages[SeenBeforeTheCrash - 1].Id!;
        List<SseMessage> expected = messages[SeenBeforeTheCrash..];

        // The client moves to node B (a load balancer's choice, or A is gone): the session and the stream are in Redis.
        await a.KillAsync();
        using HttpResponseMessage resumed = await client.ResumeAsync(b.BaseAddress, lastSeen);
        await RawMcpClient.EnsureSuccessAsync(resumed, "resume on node B", b.Output);
        using CancellationTokenSource resumeTimeout = new(TestTimeouts.Bulk);
        List<SseMessage> replayed = await RawMcpClient.ReadEventsAsync(resumed, resumeTimeout.Token).ToListAsync(resumeTimeout.Token);

        Assert.Equal(expected, replayed);
        Assert.False(File.Exists(dir.File("unused-a.db")), "node A must have kept its streams in Redis, not in a SQLite file");
    }

    [Fact]
    public async Task A_resume_with_an_event_id_the_store_never_issued_is_refused_with_400()
    {
        using TempDirectory dir = new();
        using RawMcpClient client = new();
        await using McpServerProcess server = await McpServerProcess.StartAsync(dir.File("mcp.db"));
        await client.InitializeAsync(server.BaseAddress);

        using HttpResponseMessage resumed = await client.ResumeAsync(server.BaseAddress, "mcp.e.00000000000000000000000000000000:3");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, resumed.StatusCode);
    }

    private static int ProgressOf(SseMessage message)
    {
        using JsonDocument json = JsonDocument.Parse(message.Data);
        Assert.Equal("notifications/progress", json.RootElement.GetProperty("method").GetString());
        return json.RootElement.GetProperty("params").GetProperty("progress").GetInt32();
    }

    private static string? ResultTextOf(SseMessage message)
    {
        using JsonDocument json = JsonDocument.Parse(message.Data);
        return json.RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString();
    }
}
