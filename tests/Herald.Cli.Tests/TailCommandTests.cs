using Herald.Testing.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Cli.Tests;

public sealed class TailCommandTests
{
    [Fact]
    public async Task Tail_prints_events_and_resumes_after_the_connection_is_cut()
    {
        ConnectionCutter cutter = new();
        await using HeraldHost host = await HeraldHost.StartAsync(configure: builder => builder.Services.AddSingleton<IStartupFilter>(cutter));
        await host.Client.PublishAsync("cli-tail", "one");
        await host.Client.PublishAsync("cli-tail", "two", eventType: "order.updated");
        using StringWriter captured = new();
        TextWriter output = TextWriter.Synchronized(captured);
        using StringWriter error = new();
        using CancellationTokenSource guard = new(TestTimeouts.Bulk);

        Task<int> tail = HeraldCommandLine.RunAsync(["tail", "cli-tail", "--from", "0", "--count", "4", "--server", host.BaseAddress.ToString()], output, error, guard.Token);
        await Polling.WaitUntilAsync(() => CliRun.Lines(captured.ToString()).Length == 2, "tail to print the first two events");
        cutter.CutAll();
        await host.Client.PublishAsync("cli-tail", "three");
        await host.Client.PublishAsync("cli-tail", "four");
        int exit = await tail.WaitAsync(guard.Token);

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Equal(["1 message one", "2 order.updated two", "3 message three", "4 message four"], CliRun.Lines(captured.ToString()));
        Assert.True(cutter.Seen >= 2, $"tail should have reconnected after the cut; the server saw {cutter.Seen} subscribe request(s).");
    }

    [Fact]
    public async Task Tail_without_from_prints_only_new_events()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        await host.Client.PublishAsync("cli-live", "old");
        using StringWriter captured = new();
        TextWriter output = TextWriter.Synchronized(captured);
        using CancellationTokenSource guard = new(TestTimeouts.Bulk);

        Task<int> tail = HeraldCommandLine.RunAsync(["tail", "cli-live", "--count", "1", "--server", host.BaseAddress.ToString()], output, TextWriter.Null, guard.Token);
        // The subscription is live once the server counts it; only then is "new" published.
        await Polling.WaitUntilAsync(async () => (await host.Client.GetInfoAsync("cli-live")).Subscribers == 1, "the server to count tail's subscription");
        await host.Client.PublishAsync("cli-live", "new");

        Assert.Equal(CliExitCodes.Success, await tail.WaitAsync(guard.Token));
        Assert.Equal(["2 message new"], CliRun.Lines(captured.ToString()));
    }

    [Fact]
    public async Task Ctrl_c_ends_tail_with_success()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        using CancellationTokenSource stop = new();
        Task<int> tail = HeraldCommandLine.RunAsync(["tail", "cli-stop", "--server", host.BaseAddress.ToString()], TextWriter.Null, TextWriter.Null, stop.Token);
        await Polling.WaitUntilAsync(async () => (await host.Client.GetInfoAsync("cli-stop")).Subscribers == 1, "the server to count tail's subscription");

        await stop.CancelAsync();

        Assert.Equal(CliExitCodes.Success, await tail.WaitAsync(TestTimeouts.Bulk));
    }
}
