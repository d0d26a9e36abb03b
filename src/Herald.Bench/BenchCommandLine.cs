using System.CommandLine;
using Herald.Cli;

namespace Herald.Bench;

/// <summary>
/// The root of the <c>herald-bench</c> command: <c>run</c> (the raw-socket load generator behind docs/benchmarks.md) and
/// <c>verify</c> (the chaos check). Each subcommand lives in its own folder and is registered here.
/// </summary>
internal static class BenchCommandLine
{
    public const string Tool = "herald-bench";

    public static RootCommand Create()
    {
        RootCommand root = new("herald-bench: measure a Herald server on loopback, and verify it end to end under forced faults.");
        // Subcommands are added here, one line each.
        root.Subcommands.Add(Run.RunCommand.Create());
        root.Subcommands.Add(Verify.VerifyCommand.Create());
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        ToolCommandLine.RunAsync(Create(), Tool, args, output, error, cancellationToken);
}
