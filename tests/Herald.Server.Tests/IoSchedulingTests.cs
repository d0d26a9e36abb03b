using Herald.Testing.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Command line", <c>--io-scheduling</c>: the standalone server runs Kestrel's socket transport with inline
/// scheduling unless told <c>threadpool</c> (a value outside the two: CommandLineTests). Every other server test runs on
/// the default, so the threadpool mode gets a delivery test of its own here.
/// </summary>
public sealed class IoSchedulingTests
{
    [Fact]
    public void Parse_NoOption_SchedulesInline()
    {
        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse([], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.True(settings!.InlineScheduling);
    }

    [Theory]
    [InlineData("inline", true)]
    [InlineData("threadpool", false)]
    public void Parse_IoScheduling_SetsTheMode(string mode, bool inline)
    {
        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(["--io-scheduling", mode], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.Equal(inline, settings!.InlineScheduling);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Build_AppliesTheModeToKestrelsSocketTransport(bool inline)
    {
        await using Microsoft.AspNetCore.Builder.WebApplication app = HeraldServer.Build(new ServerSettings
        {
            Store = StoreLocation.Parse("memory:"),
            Urls = "http://127.0.0.1:0",
            InlineScheduling = inline,
        });

        Assert.Equal(inline, app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }

    [Fact]
    public async Task ThreadpoolMode_LiveSubscriberAndResumeGetEveryEventOnceInOrder()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { InlineScheduling = false });
        await using SseClient live = await SseClient.ConnectAsync(host.Client, "/streams/pool");
        for (int i = 1; i <= 20; i++)
        {
            Assert.Equal(i, await host.Client.PublishAsync("pool", $"event-{i}"));
        }

        await live.WaitForIdAsync(20);
        await using SseClient resumed = await SseClient.ConnectAsync(host.Client, "/streams/pool", lastEventId: "15");
        await resumed.WaitForIdAsync(20);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), live.IdentifiedEvents.Select(e => e.Id));
        Assert.Equal(["16", "17", "18", "19", "20"], resumed.IdentifiedEvents.Select(e => e.Id));
        Assert.Equal("event-16", resumed.IdentifiedEvents[0].Data);
    }
}
