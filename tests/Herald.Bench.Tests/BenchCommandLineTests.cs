namespace Herald.Bench.Tests;

public sealed class BenchCommandLineTests
{
    [Fact]
    public async Task Help_exits_zero_and_lists_run_and_verify()
    {
        (int exit, string stdout, string stderr) = await BenchRun.RunAsync("--help");

        Assert.Equal(CliExitCodes.Success, exit);
        Assert.Contains("herald-bench", stdout, StringComparison.Ordinal);
        Assert.Contains("run", stdout, StringComparison.Ordinal);
        Assert.Contains("verify", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Unknown_option_is_one_line_named_after_the_tool_and_exit_2()
    {
        (int exit, _, string stderr) = await BenchRun.RunAsync("run", "--no-such-option");

        Assert.Equal(CliExitCodes.BadUsage, exit);
        string line = Assert.Single(BenchRun.Lines(stderr));
        Assert.StartsWith("herald-bench: ", line, StringComparison.Ordinal);
    }
}
