using Herald.Testing.Infrastructure;

namespace Herald.Cli.Tests;

public sealed class PublishCommandTests(MemoryHostFixture fixture) : IClassFixture<MemoryHostFixture>
{
    private string Server => fixture.Host.BaseAddress.ToString();

    [Fact]
    public async Task Publish_prints_the_id_and_the_event_arrives()
    {
        (int exit, string stdout, string stderr) = await CliRun.RunAsync("publish", "cli-publish", "{\"n\":1}", "--event", "order.created", "--server", Server);

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Equal("", stderr);
        Assert.Equal(["1"], CliRun.Lines(stdout));
        (IReadOnlyList<ReadEvent> events, _) = await fixture.Host.Client.GetEventsAsync("cli-publish", "?after=0");
        ReadEvent stored = Assert.Single(events);
        Assert.Equal(new ReadEvent(1, "order.created", "{\"n\":1}"), stored);
    }

    [Fact]
    public async Task Dash_reads_one_event_from_standard_input_without_its_final_newline()
    {
        (int exit, string stdout, _) = await CliRun.RunAsync(PublishCommand.Create(new StringReader("line one\nline two\n")), "publish", "cli-stdin", "-", "--server", Server);

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Equal(["1"], CliRun.Lines(stdout));
        (IReadOnlyList<ReadEvent> events, _) = await fixture.Host.Client.GetEventsAsync("cli-stdin", "?after=0");
        Assert.Equal("line one\nline two", Assert.Single(events).Data);
    }

    [Fact]
    public async Task Ndjson_publishes_each_line_as_one_batch_and_prints_every_id()
    {
        (int exit, string stdout, _) = await CliRun.RunAsync(PublishCommand.Create(new StringReader("{\"a\":1}\n\n{\"a\":2}\n{\"a\":3}\n")), "publish", "cli-ndjson", "--ndjson", "--server", Server);

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Equal(["1", "2", "3"], CliRun.Lines(stdout));
        (IReadOnlyList<ReadEvent> events, _) = await fixture.Host.Client.GetEventsAsync("cli-ndjson", "?after=0");
        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], events.Select(e => e.Data));
    }

    [Fact]
    public async Task Repeating_an_id_key_prints_the_original_id_and_appends_nothing()
    {
        (_, string first, _) = await CliRun.RunAsync("publish", "cli-idempotent", "a", "--id-key", "order-7", "--server", Server);
        (int exit, string second, _) = await CliRun.RunAsync("publish", "cli-idempotent", "b", "--id-key", "order-7", "--server", Server);

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Equal(first, second);
        Assert.Equal(1, (await fixture.Host.Client.GetInfoAsync("cli-idempotent")).Last);
    }

    [Fact]
    public async Task A_refused_publish_exits_1_with_the_reason_on_one_line()
    {
        (int exit, string stdout, string stderr) = await CliRun.RunAsync("publish", "cli-refused", "x", "--event", "not a type", "--server", Server);

        Assert.Equal(CliExitCodes.Failed, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(CliRun.Lines(stderr));
        Assert.StartsWith("herald: the server refused: 400", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_server_url_is_bad_usage()
    {
        (int exit, _, string stderr) = await CliRun.RunAsync("publish", "s", "x", "--server", "not a url");

        Assert.Equal(CliExitCodes.BadUsage, exit);
        Assert.Contains("--server", stderr, StringComparison.Ordinal);
    }
}
