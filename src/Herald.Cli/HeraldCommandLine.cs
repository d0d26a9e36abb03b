using System.CommandLine;

namespace Herald.Cli;

/// <summary>
/// The root of the <c>herald</c> command; each subcommand lives in its own file and is registered here. Benchmarking
/// and fault verification are the separate <c>herald-bench</c> tool (src/Herald.Bench): people who only publish and
/// tail do not install a load generator.
/// </summary>
internal static class HeraldCommandLine
{
    public const string Tool = "herald";

    public static RootCommand Create()
    {
        RootCommand root = new("herald: publish to and tail a Herald server (benchmarks and fault checks: the herald-bench tool).");
        // Subcommands are added here, one line each.
        root.Subcommands.Add(PublishCommand.Create());
        root.Subcommands.Add(TailCommand.Create());
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        ToolCommandLine.RunAsync(Create(), Tool, args, output, error, cancellationToken);
}
