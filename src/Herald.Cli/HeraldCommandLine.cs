using System.CommandLine;

namespace Herald.Cli;

/// <summary>The root of the <c>herald</c> command; each subcommand lives in its own file and is registered here.</summary>
internal static class HeraldCommandLine
{
    public static RootCommand Create()
    {
        RootCommand root = new("herald: publish to, tail, benchmark and verify a Herald server.");
        // Subcommands are added here, one line each.
        root.Subcommands.Add(PublishCommand.Create());
        root.Subcommands.Add(TailCommand.Create());
        root.Subcommands.Add(Bench.BenchCommand.Create());
        root.Subcommands.Add(Verify.VerifyCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        RootCommand root = Create();
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            string message = string.Join(' ', result.Errors[0].Message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await error.WriteLineAsync($"herald: {message} (see --help)").ConfigureAwait(false);
            return CliExitCodes.BadUsage;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }
}
