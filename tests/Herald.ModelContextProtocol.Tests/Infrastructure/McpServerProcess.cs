using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.ModelContextProtocol.Tests.Infrastructure;

/// <summary>
/// samples/McpProgress as a real OS process (<c>dotnet McpProgress.dll</c>) on 127.0.0.1, its URL read from its
/// "McpProgress is serving on …" line, killed by its own <see cref="Process"/> object (SIGKILL) and always when disposed.
/// </summary>
internal sealed partial class McpServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<Uri> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private McpServerProcess(Process process) => _process = process;

    public Uri BaseAddress => _serving.Task.IsCompletedSuccessfully ? _serving.Task.Result : throw new InvalidOperationException("The server is not serving yet.");

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    private static string SampleDll
    {
        get
        {
            string root = Metadata("RepositoryRoot");
            string dll = Path.Combine(root, "samples", "McpProgress", "bin", Metadata("Configuration"), "net10.0", "McpProgress.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the test project first: it builds samples/McpProgress.", dll);
        }
    }

    /// <summary>
    /// Starts the sample on <paramref name="url"/> (port 0 picks one) with its streams in <paramref name="database"/>, or
    /// in the Redis at <paramref name="redis"/> when given; waits until it serves.
    /// </summary>
    public static async Task<McpServerProcess> StartAsync(string database, string url = "http://127.0.0.1:0", string? redis = null)
    {
        ProcessStartInfo start = new(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(SampleDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.ArgumentList.Add($"--McpProgress:Database={database}");
        if (redis is not null)
        {
            start.ArgumentList.Add($"--McpProgress:Redis={redis}");
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        McpServerProcess server = new(new Process { StartInfo = start, EnableRaisingEvents = true });
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.Exited += (_, _) => server._serving.TrySetException(new InvalidOperationException("The server exited before serving."));
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server._serving.Task.WaitAsync(TestTimeouts.Start);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            string output = server.Output;
            await server.DisposeAsync();
            Assert.Fail($"McpProgress did not report serving ({ex.Message}). Output:\n{output}");
        }

        return server;
    }

    /// <summary>SIGKILL, then waits for the exit: no chance to flush, close or dispose a writer.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private static string Metadata(string key) =>
        typeof(McpServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

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

        Match serving = ServingLine().Match(line);
        if (serving.Success)
        {
            _serving.TrySetResult(new Uri(serving.Groups["url"].Value));
        }
    }

    [GeneratedRegex(@"McpProgress is serving on (?<url>https?://[^\s,]+)")]
    private static partial Regex ServingLine();
}
