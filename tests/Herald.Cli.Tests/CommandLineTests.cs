using Herald.Cli;

namespace Herald.Cli.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public async Task Help_exits_zero_and_names_the_tool()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        int exit = await HeraldCommandLine.RunAsync(["--help"], output, error, CancellationToken.None);

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Contains("herald", output.ToString(), StringComparison.Ordinal);
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public async Task Bench_and_verify_are_not_herald_commands_but_herald_bench_ones()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        int exit = await HeraldCommandLine.RunAsync(["bench"], output, error, CancellationToken.None);

        // They moved to the herald-bench tool; the help says where, so a user who follows old notes finds them.
        Assert.Equal(CliExitCodes.BadUsage, exit);
        (_, string help, _) = await CliRun.RunAsync("--help");
        Assert.Contains("herald-bench", help, StringComparison.Ordinal);
        Assert.DoesNotContain("verify", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_option_is_one_line_and_exit_2()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        int exit = await HeraldCommandLine.RunAsync(["--no-such-option"], output, error, CancellationToken.None);

        Assert.Equal(CliExitCodes.BadUsage, exit);
        string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("herald: ", line, StringComparison.Ordinal);
    }
}
