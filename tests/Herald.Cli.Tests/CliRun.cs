using System.CommandLine;

namespace Herald.Cli.Tests;

/// <summary>Runs the herald command line in this process with captured output, as a script would see it.</summary>
internal static class CliRun
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        await RunAsync(CancellationToken.None, args);

    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using StringWriter output = new();
        using StringWriter error = new();
        int exit = await HeraldCommandLine.RunAsync(args, output, error, cancellationToken).WaitAsync(TimeSpan.FromMinutes(2));
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs one command built by the test (e.g. publish with its own standard input).</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(Command command, params string[] args)
    {
        using StringWriter output = new();
        using StringWriter error = new();
        RootCommand root = new() { command };
        ParseResult result = root.Parse(args);
        Assert.Empty(result.Errors);
        int exit = await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).WaitAsync(TimeSpan.FromMinutes(2));
        return (exit, output.ToString(), error.ToString());
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
