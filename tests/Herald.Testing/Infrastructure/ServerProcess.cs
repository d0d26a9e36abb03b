using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Testing.Infrastructure;

/// <summary>
/// Herald.Server as a real OS process (<c>dotnet Herald.Server.dll …</c>): started on 127.0.0.1:0, its URL read from the
/// "Herald is serving … on …" line, stopped by PID with SIGTERM or SIGKILL, and always killed when disposed. Its output is
/// kept for failure messages.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<Uri> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpClient? _client;

    private ServerProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public Uri BaseAddress => _serving.Task.IsCompletedSuccessfully ? _serving.Task.Result : throw new InvalidOperationException("The server is not serving yet.");

    public HttpClient Client => _client ??= TestHttp.CreateClient(BaseAddress);

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

    public static string ServerDll
    {
        get
        {
            string beside = Path.Combine(AppContext.BaseDirectory, "Herald.Server.dll");
            if (File.Exists(beside) && File.Exists(Path.Combine(AppContext.BaseDirectory, "Herald.Server.runtimeconfig.json")))
            {
                return beside;
            }

            // tests/Herald.Server.Tests/bin/<Configuration>/net10.0/ → src/Herald.Server/bin/<Configuration>/net10.0/
            DirectoryInfo output = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string configuration = output.Parent!.Name;
            string repo = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            string built = Path.Combine(repo, "src", "Herald.Server", "bin", configuration, output.Name, "Herald.Server.dll");
            return File.Exists(built) ? built : throw new FileNotFoundException("Herald.Server.dll is neither in the test output nor in src/Herald.Server/bin.", built);
        }
    }

    /// <summary>
    /// Starts the server with <paramref name="args"/> (plus <c>--urls http://127.0.0.1:0</c> unless they name a URL, as a
    /// restart on the same port does) and waits until it serves.
    /// </summary>
    public static Task<ServerProcess> StartAsync(params string[] args) => StartAsync(environment: null, args);

    /// <summary>As <see cref="StartAsync(string[])"/>, with <paramref name="environment"/> added to the child's environment (e.g. <c>SSL_CERT_FILE</c>).</summary>
    public static Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        StartAsync(environment, openFileLimit: null, args);

    /// <summary>As <see cref="StartAsync(string[])"/>, under an open-file limit (soft and hard, <c>ulimit -n</c>) of <paramref name="openFileLimit"/>.</summary>
    public static Task<ServerProcess> StartWithOpenFileLimitAsync(int openFileLimit, params string[] args) =>
        StartAsync(environment: null, openFileLimit, args);

    private static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string>? environment, int? openFileLimit, string[] args)
    {
        ServerProcess server = new(Launch(args.Contains("--urls") ? args : ["--urls", "http://127.0.0.1:0", .. args], openFileLimit));
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            server._process.StartInfo.Environment[name] = value;
        }

        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.Exited += (_, _) => server._serving.TrySetException(new InvalidOperationException("The server exited before serving."));
        server._process.EnableRaisingEvents = true;
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
            Assert.Fail($"Herald.Server {string.Join(' ', args)} did not report serving ({ex.Message}). Output:\n{output}");
        }

        return server;
    }

    /// <summary>Runs the server to its exit (e.g. <c>--help</c>, bad options) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(params string[] args)
    {
        using Process process = Launch(args);
        process.Start();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"Herald.Server {string.Join(' ', args)} did not exit within {TestTimeouts.ProcessExit}.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>SIGTERM by PID: the graceful stop of docs/protocol.md "Operations".</summary>
    public void Terminate()
    {
        using Process kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.True(kill.ExitCode == 0, $"kill -TERM {Pid} failed with {kill.ExitCode}.");
    }

    /// <summary>SIGKILL: no chance to flush, close or say goodbye.</summary>
    public void Kill() => _process.Kill();

    public async Task<int> WaitForExitAsync()
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Herald.Server (pid {Pid}) did not exit within {TestTimeouts.ProcessExit}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
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

    private static Process Launch(string[] args, int? openFileLimit = null)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        ProcessStartInfo start = new(openFileLimit is null ? dotnet : "sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (openFileLimit is int limit)
        {
            // The shell sets the limit and becomes the server (exec), so the PID is the server's.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"ulimit -n {limit} && exec \"$@\"");
            start.ArgumentList.Add("sh");
            start.ArgumentList.Add(dotnet);
        }

        start.ArgumentList.Add(ServerDll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return new Process { StartInfo = start };
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

        Match serving = ServingLine().Match(line);
        if (serving.Success)
        {
            _serving.TrySetResult(new Uri(serving.Groups["url"].Value));
        }
    }

    [GeneratedRegex(@"Herald is serving .+ on (?<url>https?://[^\s,]+)")]
    private static partial Regex ServingLine();
}
