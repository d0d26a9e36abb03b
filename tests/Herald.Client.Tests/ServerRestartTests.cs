using Herald.Client.Tests.Infrastructure;
using Herald.Testing.Infrastructure;

namespace Herald.Client.Tests;

/// <summary>Real server processes, one at a time: they compete for the same two cores as every other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerProcessCollection
{
    public const string Name = "Client against server processes";
}

/// <summary>
/// The server behind a fixed address (a loopback relay) is stopped mid-stream while a publisher keeps publishing through
/// the client, and restarted on the same SQLite file: the subscriber must see every ID exactly once, in order.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class ServerRestartTests
{
    private const int Total = 300;

    [Fact]
    public Task Subscribe_ServerKilledAndRestartedMidStream_YieldsEveryIdOnceInOrder() => RestartMidStreamAsync(graceful: false);

    [Fact]
    public Task Subscribe_ServerTerminatedAndRestartedMidStream_YieldsEveryIdOnceInOrder() => RestartMidStreamAsync(graceful: true);

    private static async Task RestartMidStreamAsync(bool graceful)
    {
        using TempDirectory dir = new();
        string[] args = ["--store", "sqlite:" + dir.File("herald.db"), "--shutdown-timeout", "5"];
        ServerProcess server = await ServerProcess.StartAsync(args);
        try
        {
            await using LoopbackProxy proxy = new(server.BaseAddress);
            await using HeraldClient client = new(Clients.Options(proxy.BaseAddress) with { MaxPublishAttempts = 60 });
            await using SubscriptionRecorder recorder = SubscriptionRecorder.Start(client, "restart", lastEventId: 0);

            // The publisher goes through the same client (and so the same retries and keys) while the server goes away.
            Task publisher = Task.Run(async () =>
            {
                for (int i = 1; i <= Total; i++)
                {
                    await client.PublishAsync("restart", $"e{i}");
                }
            });

            await recorder.WaitForEventAsync(Total / 3);
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
            await recorder.WaitForEventAsync(Total);

            Assert.Equal(Total, (await server.Client.GetInfoAsync("restart")).Last);
            Assert.All(recorder.Items, item => Assert.IsType<HeraldEvent>(item));
            SequenceAssert.Contiguous(recorder.EventIds, 1, Total, graceful ? "subscriber across SIGTERM and restart" : "subscriber across kill -9 and restart");
            Assert.Equal(Enumerable.Range(1, Total).Select(i => $"e{i}"), recorder.Items.Cast<HeraldEvent>().Select(e => e.Data));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
