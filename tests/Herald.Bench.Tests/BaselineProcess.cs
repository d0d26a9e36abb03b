using System.Diagnostics;
using System.Text.RegularExpressions;
using Herald.Testing.Infrastructure;

namespace Herald.Bench.Tests;

/// <summary>bench/Herald.Baseline as a real process on 127.0.0.1:0; its URL is read from ASP.NET Core's "Now listening on" line.</summary>
internal sealed partial class BaselineProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BaselineProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<BaselineProcess> StartAsync()
    {
        // tests/Herald.Cli.Tests/bin/<Configuration>/net10.0/ → bench/Herald.Baseline/bin/<Configuration>/net10.0/
        DirectoryInfo output = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string repo = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string dll = Path.Combine(repo, "bench", "Herald.Baseline", "bin", output.Parent.Name, output.Name, "Herald.Baseline.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built.");
        Process process = new()
        {
            StartInfo = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false },
        };
        TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is string line && ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new BaselineProcess(process, await listening.Task.WaitAsync(TestTimeouts.Start));
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
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

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
