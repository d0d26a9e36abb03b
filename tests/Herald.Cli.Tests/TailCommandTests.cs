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

    [Fact]
    public async Task Tail_of_two_streams_prints_the_events_of_both_with_their_stream_names_and_the_cursor_to_resume_from()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        await host.Client.PublishAsync("cli-a", "a1");
        await host.Client.PublishAsync("cli-b", "b1", eventType: "price");
        await host.Client.PublishAsync("cli-a", "a2");
        using StringWriter output = new();
        using StringWriter error = new();
        using CancellationTokenSource guard = new(TestTimeouts.Bulk);

        int exit = await HeraldCommandLine.RunAsync(["tail", "cli-a", "cli-b", "--from", "0", "--count", "3", "--server", host.BaseAddress.ToString()], output, error, guard.Token);

        Assert.Equal(CliExitCodes.Success, exit);
        string[] lines = CliRun.Lines(output.ToString());
        // Streams interleave in any order; each stream's own events arrive in ID order.
        Assert.Equal(["cli-a 1 message a1", "cli-a 2 message a2"], lines.Where(l => l.StartsWith("cli-a ", StringComparison.Ordinal)));
        Assert.Equal(["cli-b 1 price b1"], lines.Where(l => l.StartsWith("cli-b ", StringComparison.Ordinal)));
        Assert.Equal(3, lines.Length);
        Assert.Contains("herald: to resume: --from cli-a:2,cli-b:1", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_of_two_streams_from_a_cursor_with_a_type_prints_only_later_events_of_that_type()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        await host.Client.PublishAsync("cli-ta", "a1", eventType: "keep");
        await host.Client.PublishAsync("cli-ta", "a2", eventType: "keep");
        await host.Client.PublishAsync("cli-ta", "a3", eventType: "skip");
        await host.Client.PublishAsync("cli-tb", "b1", eventType: "keep");
        await host.Client.PublishAsync("cli-ta", "a4", eventType: "keep");
        using StringWriter output = new();
        using CancellationTokenSource guard = new(TestTimeouts.Bulk);

        int exit = await HeraldCommandLine.RunAsync(
            ["tail", "cli-ta", "cli-tb", "--from", "cli-ta:1,cli-tb:0", "--type", "keep", "--count", "3", "--server", host.BaseAddress.ToString()], output, TextWriter.Null, guard.Token);

        Assert.Equal(CliExitCodes.Success, exit);
        string[] lines = CliRun.Lines(output.ToString());
        Assert.Equal(["cli-ta 2 keep a2", "cli-ta 4 keep a4"], lines.Where(l => l.StartsWith("cli-ta ", StringComparison.Ordinal)));
        Assert.Equal(["cli-tb 1 keep b1"], lines.Where(l => l.StartsWith("cli-tb ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Tail_from_something_that_is_neither_an_id_nor_a_cursor_is_bad_usage()
    {
        (int exit, _, string error) = await CliRun.RunAsync("tail", "cli-a", "cli-b", "--from", "cli-a:1,,cli-b:2");

        Assert.Equal(CliExitCodes.BadUsage, exit);
        Assert.Contains("--from", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_help_describes_several_streams_the_cursor_and_the_type_filter()
    {
        (int exit, string help, _) = await CliRun.RunAsync("tail", "--help");

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Contains("stream id event data", help, StringComparison.Ordinal);
        Assert.Contains("orders:42,prices:17", help, StringComparison.Ordinal);
        Assert.Contains("--type", help, StringComparison.Ordinal);
    }
}
