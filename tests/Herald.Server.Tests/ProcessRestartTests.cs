using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>Real server processes, one at a time: they compete for the same two cores as every other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerProcessCollection
{
    public const string Name = "Server processes";
}

/// <summary>
/// docs/protocol.md "Operations" and "Streams": SIGTERM ends subscriptions cleanly and exits 0; <c>kill -9</c> loses no acknowledged
/// event and never rewinds a sequence; a wiped store has a new epoch, so old positions get reset.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed partial class ProcessRestartTests
{
    [Fact]
    public async Task Server_Sigterm_EndsSubscriptionsAfterRetryExitsZeroAndRestartContinuesSequence()
    {
        using TempDirectory dir = new();
        string[] args = ["--store", "sqlite:" + dir.File("herald.db"), "--shutdown-timeout", "5"];
        string epoch;
        await using (ServerProcess server = await ServerProcess.StartAsync(args))
        {
            for (int i = 1; i <= 3; i++)
            {
                Assert.Equal(i, await server.Client.PublishAsync("graceful", $"e{i}"));
            }

            epoch = (await server.Client.GetInfoAsync("graceful")).Epoch;
            await using SseClient client = await SseClient.ConnectAsync(server.Client, "/streams/graceful", lastEventId: "0");
            await client.WaitForIdAsync(3);

            server.Terminate();
            bool clean = await client.WaitForEndAsync(TestTimeouts.ProcessExit);
            int exitCode = await server.WaitForExitAsync();

            Assert.True(exitCode == 0, $"SIGTERM must exit 0, got {exitCode}. Output:\n{server.Output}");
            Assert.True(clean, $"the SSE response must end cleanly, got {client.Error}. Raw tail: {Tail(client.RawText)}");
            Assert.Matches(RetryAtEnd(), client.RawText);
        }

        await using ServerProcess restarted = await ServerProcess.StartAsync(args);
        StreamInfoBody info = await restarted.Client.GetInfoAsync("graceful");
        Assert.Equal(epoch, info.Epoch);
        Assert.Equal(3, info.Last);
        Assert.Equal(4, await restarted.Client.PublishAsync("graceful", "e4"));
    }

    [Fact]
    public async Task Server_KilledDuringPublishStorm_KeepsEveryAcknowledgedEventAndNeverReusesAnId()
    {
        using TempDirectory dir = new();
        string[] args = ["--store", "sqlite:" + dir.File("herald.db")];
        ConcurrentDictionary<long, string> acknowledged = new();
        await using (ServerProcess server = await ServerProcess.StartAsync(args))
        {
            using CancellationTokenSource stop = new();
            TaskCompletionSource enough = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Task[] publishers = [.. Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
            {
                for (int n = 0; !stop.IsCancellationRequested; n++)
                {
                    string data = $"p{p}-{n}";
                    HttpResponseMessage response;
                    try
                    {
                        response = await server.Client.PostAsync("/streams/storm", Encoding.UTF8.GetBytes(data));
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server died under this request: not acknowledged
                    }

                    using (response)
                    {
                        string body;
                        try
                        {
                            body = await response.Content.ReadAsStringAsync();
                        }
                        catch (HttpRequestException)
                        {
                            return;
                        }

                        Assert.True(response.StatusCode == HttpStatusCode.Created, $"publish: {(int)response.StatusCode} {body}");
                        using JsonDocument json = JsonDocument.Parse(body);
                        acknowledged[json.RootElement.GetProperty("id").GetInt64()] = data;
                    }

                    if (acknowledged.Count >= 400)
                    {
                        enough.TrySetResult();
                    }
                }
            }))];

            await enough.Task.WaitAsync(TestTimeouts.Bulk);
            server.Kill(); // SIGKILL while the publishers are still going
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(publishers).WaitAsync(TestTimeouts.Bulk);
        }

        await using ServerProcess restarted = await ServerProcess.StartAsync(args);
        Dictionary<long, string> stored = (await restarted.Client.ReadAllAsync("storm")).ToDictionary(e => e.Id, e => e.Data);
        foreach ((long id, string data) in acknowledged)
        {
            Assert.True(stored.TryGetValue(id, out string? found), $"acknowledged event {id} ({data}) is missing after kill -9; {stored.Count} events stored, {acknowledged.Count} acknowledged.");
            Assert.Equal(data, found);
        }

        long next = await restarted.Client.PublishAsync("storm", "after-restart");
        Assert.True(next > acknowledged.Keys.Max(), $"the first id after restart ({next}) must exceed every acknowledged id ({acknowledged.Keys.Max()}).");
        SequenceAssert.Contiguous([.. stored.Keys.Order()], 1, next - 1, "stored ids after kill -9");
    }

    [Fact]
    public async Task Server_StoreWipedWhileStopped_ResumingClientWithOldEpochGetsReset()
    {
        using TempDirectory dir = new();
        string db = dir.File("herald.db");
        string[] args = ["--store", "sqlite:" + db, "--shutdown-timeout", "5"];
        string oldEpoch;
        await using (ServerProcess server = await ServerProcess.StartAsync(args))
        {
            for (int i = 1; i <= 5; i++)
            {
                await server.Client.PublishAsync("wiped", $"old{i}");
            }

            oldEpoch = (await server.Client.GetInfoAsync("wiped")).Epoch;
            server.Terminate();
            Assert.Equal(0, await server.WaitForExitAsync());
        }

        foreach (string file in new[] { db, db + "-wal", db + "-shm" })
        {
            File.Delete(file);
        }

        await using ServerProcess restarted = await ServerProcess.StartAsync(args);
        await restarted.Client.PublishAsync("wiped", "new1");
        await using SseClient client = await SseClient.ConnectAsync(restarted.Client, "/streams/wiped?lastEventId=1&epoch=" + oldEpoch);
        await client.WaitForIdAsync(1);

        IReadOnlyList<SseEvent> events = client.Events;
        Assert.Equal(["hello", "reset", "message"], events.Select(e => e.Type));
        using JsonDocument reset = JsonDocument.Parse(events[1].Data);
        string? newEpoch = reset.RootElement.GetProperty("epoch").GetString();
        Assert.NotEqual(oldEpoch, newEpoch);
        Assert.Equal((await restarted.Client.GetInfoAsync("wiped")).Epoch, newEpoch);
        Assert.Equal(1, reset.RootElement.GetProperty("lastEventId").GetInt64());
        Assert.Equal("new1", events[2].Data);
    }

    private static string Tail(string text) => text.Length > 200 ? text[^200..] : text;

    [GeneratedRegex(@"\nretry: \d+\n\n\z")]
    private static partial Regex RetryAtEnd();
}
