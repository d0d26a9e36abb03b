using System.Diagnostics;

namespace Herald.Packaging.Tests;

/// <summary>
/// Runs the .NET SDK (the same <c>dotnet</c> that runs these tests) and the installed tools as child processes, with an
/// environment cleaned of what the outer <c>dotnet test</c> set for its own MSBuild.
/// </summary>
internal static class Dotnet
{
    /// <summary>Hang guard for a pack or an install on a loaded 2-core machine; never a measure of speed.</summary>
    public static readonly TimeSpan LongCommand = TimeSpan.FromMinutes(5);

    public static string Host { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Runs <c>dotnet <paramref name="args"/></c> and fails the test, with its output, unless it exits 0.</summary>
    public static Task<string> RunAsync(string[] args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null) =>
        RunCheckedAsync(Host, args, workingDirectory, environment);

    /// <summary>Runs <paramref name="fileName"/> to its exit and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(string fileName, string[] args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using Process process = new() { StartInfo = StartInfo(fileName, args, workingDirectory, environment) };
        process.Start();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? LongCommand);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', args)} did not exit within {timeout ?? LongCommand}.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        ProcessStartInfo start = new(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The outer `dotnet test` points these at its own MSBuild; a nested dotnet finds its own.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        // An installed tool's launcher looks for the runtime in DOTNET_ROOT before the machine-wide location.
        if (Path.IsPathRooted(Host))
        {
            start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(Host);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static async Task<string> RunCheckedAsync(string fileName, string[] args, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        (int exitCode, string stdout, string stderr) = await RunToExitAsync(fileName, args, workingDirectory, environment);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', args)} exited with {exitCode}.\n{stdout}\n{stderr}");
        return stdout;
    }
}
