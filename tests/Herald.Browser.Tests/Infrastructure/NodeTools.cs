using System.Diagnostics;
using Herald.Testing.Infrastructure;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// Runs <c>node</c> and <c>npm</c> (from PATH; .ci/run installs Debian's nodejs and npm) as child processes, with npm's
/// cache, logs and notices kept in a temp directory of the test's own so that nothing is left outside it.
/// </summary>
internal static class NodeTools
{
    /// <summary>Hang guard for an npm pack or install on a loaded 2-core machine; never a measure of speed.</summary>
    public static readonly TimeSpan LongCommand = TimeSpan.FromMinutes(5);

    /// <summary>Runs <paramref name="fileName"/> to its exit and fails the test, with its output, unless it exits 0.</summary>
    public static async Task<string> RunCheckedAsync(string fileName, IEnumerable<string> args, string workingDirectory, string npmCache, IReadOnlyDictionary<string, string>? environment = null)
    {
        (int exitCode, string stdout, string stderr) = await RunAsync(fileName, args, workingDirectory, npmCache, environment);
        Assert.True(exitCode == 0, $"{fileName} {string.Join(' ', args)} exited with {exitCode}.\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>Runs <paramref name="fileName"/> to its exit (killed after <see cref="LongCommand"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> args, string workingDirectory, string npmCache, IReadOnlyDictionary<string, string>? environment = null)
    {
        using Process process = new() { StartInfo = StartInfo(fileName, args, workingDirectory, npmCache, environment) };
        process.Start();
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(LongCommand);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', args)} did not exit within {LongCommand}.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, string workingDirectory, string npmCache, IReadOnlyDictionary<string, string>? environment = null)
    {
        RequireOnPath(fileName);
        ProcessStartInfo start = new(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The registry (and its mirror) still come from the machine's npm configuration; only what npm writes moves here.
        start.Environment["npm_config_cache"] = npmCache;
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";
        start.Environment["npm_config_audit"] = "false";
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static void RequireOnPath(string fileName)
    {
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        Assert.True(
            path.Any(directory => File.Exists(Path.Combine(directory, fileName))),
            $"'{fileName}' is not on PATH: install Debian's nodejs and npm packages (.ci/run does).");
    }
}
