using Herald.Client.Tests.Infrastructure;
using Herald.Testing.Infrastructure;

namespace Herald.Client.Tests;

/// <summary>
/// One subscription follows three streams through a loopback relay while a publisher keeps publishing to all three; the
/// SQLite server behind the relay is stopped mid-stream and restarted on the same file. Every stream must arrive whole,
/// each event once and in order, over the composite <c>Last-Event-ID</c> the client resumes with.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class SeveralStreamsRestartTests
{
    private const int PerStream = 100;
    private static readonly string[] Streams = ["m-orders", "m-prices", "m-stock"];

    [Fact]
    public Task SubscribeSeveral_ServerKilledAndRestartedMidStream_YieldsEveryEventOfEveryStreamOnceInOrder() => RestartMidStreamAsync(graceful: false);

    [Fact]
    public Task SubscribeSeveral_ServerTerminatedAndRestartedMidStream_YieldsEveryEventOfEveryStreamOnceInOrder() => RestartMidStreamAsync(graceful: true);

    private static async Task RestartMidStreamAsync(bool graceful)
    {
        using TempDirectory dir = new();
        string[] args = ["--store", "sqlite:" + dir.File("herald.db"), "--shutdown-timeout", "5"];
        ServerProcess server = await ServerProcess.StartAsync(args);
        try
        {
            await using LoopbackProxy proxy = new(server.BaseAddress);
            await using HeraldClient client = new(Clients.Options(proxy.BaseAddress) with { MaxPublishAttempts = 60 });
            StreamCursor fromStart = StreamCursor.Parse(string.Join(',', Streams.Select(s => s + ":0")));
            await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(stop => client.SubscribeAsync(Streams, fromStart, cancellationToken: stop));

            // Round robin, so that every stream has events before, during and after the restart.
            Task publisher = Task.Run(async () =>
            {
                for (int i = 1; i <= PerStream; i++)
                {
                    foreach (string stream in Streams)
                    {
                        await client.PublishAsync(stream, $"{stream}-{i}");
                    }
                }
            });

            await recorder.WaitForEventAsync(Streams[^1], PerStream / 3);
            if (graceful)
            {
                server.Terminate();
                int exitCode = await server.WaitForExitAsync();
                Assert.True(exitCode == 0, $"SIGTERM must exit 0, got {exitCode}. Output:\n{server.Output}");
            }
            else
            {
                server.Kill();
                await server.WaitForExitAsync();
            }

            await server.DisposeAsync();
            server = await ServerProcess.StartAsync(args);
            proxy.Target = server.BaseAddress;

            await publisher.WaitAsync(TestTimeouts.Bulk);
            foreach (string stream in Streams)
            {
                await recorder.WaitForEventAsync(stream, PerStream);
            }

            Assert.All(recorder.Items, item => Assert.IsType<HeraldEvent>(item));
            string what = graceful ? "across SIGTERM and restart" : "across kill -9 and restart";
            foreach (string stream in Streams)
            {
                IReadOnlyList<HeraldEvent> events = recorder.EventsOf(stream);
                SequenceAssert.Contiguous([.. events.Select(e => e.Id)], 1, PerStream, $"{stream} {what}");
                Assert.Equal(Enumerable.Range(1, PerStream).Select(i => $"{stream}-{i}"), events.Select(e => e.Data));
            }

            Assert.Equal(3 * PerStream, recorder.Items.Count);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
