using System.CommandLine;

namespace Herald.Cli;

/// <summary>
/// What the <c>herald</c> and <c>herald-bench</c> tools do the same way around their own commands: one line on the
/// error stream and exit 2 for bad usage, the console's streams, and Ctrl+C as cancellation. Compiled into both
/// (src/Herald.Bench links this file) so that scripts see one contract, not two that drift apart.
/// </summary>
internal static class ToolCommandLine
{
    /// <summary>
    /// Parses <paramref name="args"/> against <paramref name="root"/> and runs the command it names; a usage error starts
    /// with <paramref name="tool"/>, the command users type (<c>herald: …</c>).
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string tool, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(error);
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            string message = string.Join(' ', result.Errors[0].Message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await error.WriteLineAsync($"{tool}: {message} (see --help)").ConfigureAwait(false);
            return CliExitCodes.BadUsage;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A tool's Main: runs <paramref name="run"/> on the console's streams until it ends or Ctrl+C stops it.</summary>
    public static async Task<int> RunOnConsoleAsync(Func<string[], TextWriter, TextWriter, CancellationToken, Task<int>> run, string[] args)
    {
        ArgumentNullException.ThrowIfNull(run);
        using CancellationTokenSource stop = new();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C stops the command cleanly (summaries still print); a second one kills the process.
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                stop.Cancel();
            }
        };

        return await run(args, Console.Out, Console.Error, stop.Token).ConfigureAwait(false);
    }
}
