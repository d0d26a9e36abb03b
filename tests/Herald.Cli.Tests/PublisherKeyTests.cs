using Herald.Server;
using Herald.Testing.Infrastructure;

namespace Herald.Cli.Tests;

public sealed class PublisherKeyTests
{
    private const string Key = "cli-test-publisher-key-0123456789";

    [Fact]
    public async Task The_key_option_authorizes_publishing_and_a_missing_key_is_refused_without_printing_it()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { PublisherKeys = { Key } } });

        (int refused, _, string refusal) = await CliRun.RunAsync("publish", "cli-keyed", "x", "--server", host.BaseAddress.ToString());
        (int accepted, string id, _) = await CliRun.RunAsync("publish", "cli-keyed", "x", "--key", Key, "--server", host.BaseAddress.ToString());
        (_, string help, _) = await CliRun.RunAsync("publish", "--help");

        Assert.Equal(CliExitCodes.Failed, refused);
        Assert.StartsWith("herald: the server refused: 401", refusal, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.Success, accepted);
        Assert.Equal(["1"], CliRun.Lines(id));
        Assert.DoesNotContain(Key, refusal, StringComparison.Ordinal);
        Assert.Contains("--key", help, StringComparison.Ordinal);
    }
}
