using System.Diagnostics;
using Herald.Testing.Infrastructure;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// A Node script running beside a test (<c>node script.mjs …</c>), whose output lines the test reads while it runs. It is
/// killed by its own <see cref="Process"/> when disposed if it is still running.
/// </summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();

    private NodeProcess(Process process) => _process = process;

    /// <summary>Every line printed so far, stdout and stderr interleaved as they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public string Output => string.Join('\n', Lines);

    public static NodeProcess Start(string script, IEnumerable<string> args, string workingDirectory, string npmCache)
    {
        NodeProcess node = new(new Process { StartInfo = NodeTools.StartInfo("node", [script, .. args], workingDirectory, npmCache) });
        node._process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        node._process.Start();
        node._process.StandardInput.Close();
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits for the script to end by itself and returns its exit code; fails the test if it does not within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            // Also waits until both redirected streams reached their end, so Lines is complete afterwards.
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The node script did not exit within {timeout}. Output:\n{Output}");
        }

        return _process.ExitCode;
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
            _lines.Add(line);
        }
    }
}
