namespace Herald.Bench.Tests;

/// <summary>Runs the herald-bench command line in this process with captured output, as a script would see it.</summary>
internal static class BenchRun
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using StringWriter output = new();
        using StringWriter error = new();
        int exit = await BenchCommandLine.RunAsync(args, output, error, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
        return (exit, output.ToString(), error.ToString());
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
