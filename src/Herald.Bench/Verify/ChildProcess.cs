using System.Diagnostics;
using System.Globalization;

namespace Herald.Bench.Verify;

/// <summary>
/// A process this run started (a Herald node, redis-server): signalled by its own PID only, its output drained into a
/// short tail for error messages and, when a log file is given, appended to it (bounded in bytes: a failed run's kept
/// directory then says what every process did), and killed when disposed. Every live one is also killed when herald-bench itself exits,
/// whatever the reason (Ctrl+C, SIGTERM past the grace period), so a chaos run never leaves servers behind.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private const int TailLines = 40;

    /// <summary>Bytes of output kept in a log file, over every start of the process; past it, one line says so.</summary>
    private const long MaxLogBytes = 32L << 20;
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly Lock s_liveLock = new();
    private static readonly HashSet<ChildProcess> s_live = [];
    private static bool s_exitHooked;

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Lock _tailLock = new();
    private readonly StreamWriter? _log;
    private long _logBytes;
    private bool _logClosed;

    private ChildProcess(Process process, string name, StreamWriter? log)
    {
        _process = process;
        Name = name;
        _log = log;
        _logBytes = log?.BaseStream.Length ?? 0;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote (stdout and stderr), for error messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_tailLock)
            {
                return string.Join('\n', _tail);
            }
        }
    }

    /// <summary>
    /// Polls <paramref name="isReady"/> every 50 ms until it says yes. Throws <see cref="InvalidOperationException"/> with
    /// <paramref name="exitedMessage"/> (given the exit code) when the process exits first, or <paramref name="timeoutMessage"/>
    /// after <paramref name="timeout"/>; either way followed by the process's last output.
    /// </summary>
    public async Task WaitUntilReadyAsync(Func<CancellationToken, Task<bool>> isReady, TimeSpan timeout, Func<int, string> exitedMessage, string timeoutMessage, CancellationToken cancellationToken)
    {
        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (HasExited)
                {
                    throw new InvalidOperationException($"{exitedMessage(ExitCode)} Its last output:\n{RecentOutput}");
                }

                if (await isReady(deadline.Token).ConfigureAwait(false))
                {
                    return;
                }

                // Polls a local process that is starting; bounded by the timeout.
                await Task.Delay(s_pollInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{timeoutMessage} Its last output:\n{RecentOutput}");
        }
    }

    /// <summary>Starts <paramref name="fileName"/>; its output goes to the tail and, when <paramref name="logFile"/> is given, is appended there (the file is created when missing).</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null, string? logFile = null)
    {
        ProcessStartInfo start = new(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        Process process = new() { StartInfo = start };
        StreamWriter? log = logFile is null ? null : new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
        ChildProcess child = new(process, name, log);
        process.OutputDataReceived += (_, e) => child.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => child.Remember(e.Data);
        lock (s_liveLock)
        {
            if (!s_exitHooked)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();
                s_exitHooked = true;
            }

            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                process.Dispose();
                log?.Dispose();
                throw new InvalidOperationException($"cannot run {fileName}: {ex.Message}", ex);
            }
            catch
            {
                process.Dispose();
                log?.Dispose();
                throw;
            }

            s_live.Add(child);
        }

        child.Remember(string.Create(CultureInfo.InvariantCulture, $"--- {DateTimeOffset.UtcNow:HH:mm:ss.fff} herald-bench started {name} as pid {process.Id}"), tail: false);

        // Read both pipes to the end: a child whose pipe fills up blocks on its next log line.
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGTERM by PID (the graceful stop); nothing when the process has already exited.</summary>
    public void Terminate()
    {
        if (HasExited)
        {
            return;
        }

        using Process kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        kill.WaitForExit();
    }

    /// <summary>SIGKILL by PID: no chance to flush, close or say goodbye.</summary>
    public void Kill()
    {
        try
        {
            if (!HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }
    }

    /// <summary>SIGKILL, then waits for the exit; throws, naming the process, when it does not come within <paramref name="timeout"/>.</summary>
    public async Task KillAndWaitAsync(TimeSpan timeout)
    {
        Kill();
        if (!await WaitForExitAsync(timeout).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"{Name} (pid {Pid}) did not exit after SIGKILL.");
        }
    }

    /// <summary>Waits for the exit; false when it did not happen within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Kill();
        try
        {
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
        }

        lock (s_liveLock)
        {
            s_live.Remove(this);
        }

        _process.Dispose();
        lock (_tailLock)
        {
            // Output callbacks can still come after the timed wait above; they find the log closed.
            _logClosed = true;
            _log?.Dispose();
        }
    }

    private static void KillAllLive()
    {
        ChildProcess[] live;
        lock (s_liveLock)
        {
            live = [.. s_live];
        }

        foreach (ChildProcess child in live)
        {
            child.Kill();
        }
    }

    private void Remember(string? line, bool tail = true)
    {
        if (line is null)
        {
            return;
        }

        lock (_tailLock)
        {
            if (tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > TailLines)
                {
                    _tail.Dequeue();
                }
            }

            WriteLog(line);
        }
    }

    private void WriteLog(string line)
    {
        if (_log is null || _logClosed || _logBytes > MaxLogBytes)
        {
            return;
        }

        try
        {
            // Characters, not bytes: near enough for a bound on a log that is mostly ASCII.
            _logBytes += line.Length + 1;
            _log.WriteLine(_logBytes > MaxLogBytes ? $"--- the log reached {MaxLogBytes >> 20} MiB; the rest is not kept" : line);

            // A line at a time: the process may be killed, and herald-bench with it, at any moment.
            _log.Flush();
        }
        catch (IOException)
        {
            // A full disk must not fail the run; the tail still holds the last lines.
        }
    }
}
