using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Packaging.Tests;

/// <summary>
/// The installed <c>herald-server</c> as a child process: its store and URL read from its "Herald is serving … on …"
/// line, its output kept for failure messages, stopped by its PID with SIGTERM and always killed when disposed.
/// </summary>
internal sealed partial class InstalledServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<(string Store, Uri Url)> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private InstalledServer(Process process) => _process = process;

    public string Store => _serving.Task.Result.Store;

    public Uri BaseAddress => _serving.Task.Result.Url;

    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<InstalledServer> StartAsync(string executable, string workingDirectory, params string[] args)
    {
        InstalledServer server = new(new Process { StartInfo = Dotnet.StartInfo(executable, args, workingDirectory) });
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server._serving.Task.WaitAsync(TestTimeouts.Start);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM, as a service manager stops it, then waits for the exit.</summary>
    public async Task StopAsync()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        await _process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.AppendLine(line);
        }

        Match match = ServingLine().Match(line);
        if (match.Success)
        {
            _serving.TrySetResult((match.Groups["store"].Value, new Uri(match.Groups["url"].Value)));
        }
    }

    [GeneratedRegex(@"Herald is serving (?<store>\S+) on (?<url>https?://[^\s,]+)")]
    private static partial Regex ServingLine();
}
