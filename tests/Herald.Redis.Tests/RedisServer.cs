using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Herald.Redis.Tests;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in a temporary directory, with the settings Herald asks for
/// (AOF on, fsync always, no RDB snapshots). It can be shut down and started again on the same directory and port, so
/// the AOF carries the data across; it is killed and its directory deleted on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Uri => $"redis://127.0.0.1:{Port}";

    public ConfigurationOptions Configuration => RedisUri.Parse(Uri);

    public static async Task<RedisServer> StartAsync()
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("herald-redis-").FullName;
        var server = new RedisServer(directory, FreePort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts redis-server (again) on the same port and directory, and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        foreach (string arg in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "no"])
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var timeout = new CancellationTokenSource(s_startTimeout);
        while (true)
        {
            if (process.HasExited)
            {
                Assert.Fail($"redis-server exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                string reply = await CommandAsync("PING", timeout.Token);
                if (reply.StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException && !timeout.IsCancellationRequested)
            {
                // Not listening yet, or still loading the AOF (it answers -LOADING).
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"redis-server did not answer PING within {s_startTimeout}:\n{Output}");
            }

            // Polls a local process that is starting; the loop is bounded by the timeout above.
            await Task.Delay(50, timeout.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>SHUTDOWN (Redis fsyncs the AOF and exits), then waits for the process to end.</summary>
    public async Task ShutdownAsync()
    {
        try
        {
            await CommandAsync("SHUTDOWN", CancellationToken.None);
        }
        catch (IOException)
        {
            // The server closes the connection as it exits.
        }
        catch (SocketException)
        {
        }

        await _process!.WaitForExitAsync().WaitAsync(s_startTimeout);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Sends one inline command on a fresh connection and returns the first line of the reply.</summary>
    public async Task<string> CommandAsync(string command, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cancellationToken);
        using var reader = new System.IO.StreamReader(stream, Encoding.ASCII);
        using var lineTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lineTimeout.CancelAfter(s_startTimeout);
        return await reader.ReadLineAsync(lineTimeout.Token) ?? throw new IOException("Redis closed the connection.");
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    await _process.WaitForExitAsync().WaitAsync(s_startTimeout);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One redis-server shared by the tests of a class (xunit class fixture).</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
