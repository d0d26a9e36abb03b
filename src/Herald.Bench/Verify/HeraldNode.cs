using System.Globalization;
using System.Net;

namespace Herald.Bench.Verify;

/// <summary>
/// One Herald server process on a fixed loopback port, so that it comes back on the same address after every fault and
/// its clients (which keep their URLs) simply reconnect. Ready means <c>GET /readyz</c> answers 200: the store answers.
/// </summary>
internal sealed class HeraldNode : IDisposable
{
    private readonly ServerLaunch _launch;
    private readonly IReadOnlyList<string> _serverArguments;
    private readonly string _workingDirectory;
    private readonly HttpClient _probe;
    private readonly TimeSpan _startTimeout;
    private ChildProcess? _process;

    public HeraldNode(string name, ServerLaunch launch, IReadOnlyList<string> serverArguments, string workingDirectory, HttpClient probe, TimeSpan startTimeout)
    {
        Name = name;
        _launch = launch;
        _serverArguments = serverArguments;
        _workingDirectory = workingDirectory;
        _probe = probe;
        _startTimeout = startTimeout;
        Port = LoopbackPorts.Pick();
        BaseUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseUrl { get; }

    public int? Pid => _process?.Pid;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the process and waits until it is ready; throws with the process's last output when it is not.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _process?.Dispose();
        string[] arguments = [.. _launch.Arguments, "--urls", BaseUrl.GetLeftPart(UriPartial.Authority), .. _serverArguments];
        Dictionary<string, string> environment = new()
        {
            ["DOTNET_NOLOGO"] = "1",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        _process = ChildProcess.Start("Herald node " + Name, _launch.FileName, arguments, _workingDirectory, environment, Path.Combine(_workingDirectory, $"node-{Name}.log"));

        await _process.WaitUntilReadyAsync(
            IsReadyAsync,
            _startTimeout,
            exitCode => $"Herald node {Name} ({_launch} …) exited with {exitCode} before it was ready.",
            $"Herald node {Name} was not ready within {_startTimeout.TotalSeconds:0} s.",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the running process answers <c>/readyz</c> again (<paramref name="after"/> says after what, for the
    /// error); throws <see cref="InvalidOperationException"/> with its last output when it does not within
    /// <paramref name="timeout"/> or exits.
    /// </summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout, string after, CancellationToken cancellationToken) =>
        (_process ?? throw new InvalidOperationException($"Node {Name} is not running.")).WaitUntilReadyAsync(
            IsReadyAsync,
            timeout,
            exitCode => $"Herald node {Name} (pid {Pid}) exited with {exitCode} {after}.",
            $"Herald node {Name} (pid {Pid}) did not answer /readyz within {timeout.TotalSeconds:0} s {after}.",
            cancellationToken);

    /// <summary>SIGTERM, then waits for the exit (SIGKILL if the graceful stop hangs); returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan gracePeriod)
    {
        ChildProcess process = _process ?? throw new InvalidOperationException($"Node {Name} is not running.");
        process.Terminate();
        if (!await process.WaitForExitAsync(gracePeriod).ConfigureAwait(false))
        {
            process.Kill();
            await process.WaitForExitAsync(gracePeriod).ConfigureAwait(false);
            throw new InvalidOperationException($"Herald node {Name} (pid {process.Pid}) did not exit within {gracePeriod.TotalSeconds:0} s of SIGTERM. Its last output:\n{process.RecentOutput}");
        }

        return process.ExitCode;
    }

    /// <summary>SIGKILL, then waits for the exit.</summary>
    public Task KillAsync(TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException($"Node {Name} is not running.")).KillAndWaitAsync(timeout);

    public string RecentOutput => _process?.RecentOutput ?? string.Empty;

    public void Dispose() => _process?.Dispose();

    private async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await _probe.GetAsync(new Uri(BaseUrl, "readyz"), cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // the probe's own timeout: starting up slowly
        }
    }
}
