using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.ModelContextProtocol.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port in a temporary directory, with the persistence Herald asks for
/// (AOF, fsync always); killed and its directory deleted on dispose.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _directory;

    private RedisProcess(Process process, TempDirectory directory, int port)
    {
        _process = process;
        _directory = directory;
        Uri = string.Create(CultureInfo.InvariantCulture, $"redis://127.0.0.1:{port}");
        Port = port;
    }

    public string Uri { get; }

    public int Port { get; }

    public static async Task<RedisProcess> StartAsync()
    {
        TempDirectory directory = new();
        int port = FreePort();
        ProcessStartInfo start = new("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory.Path,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "no"])
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        RedisProcess redis = new(process, directory, port);
        try
        {
            await redis.WaitForPongAsync();
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }

        return redis;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
        }

        _process.Dispose();
        _directory.Dispose();
    }

    private async Task WaitForPongAsync()
    {
        using CancellationTokenSource timeout = new(TestTimeouts.Start);
        while (true)
        {
            Assert.False(_process.HasExited, "redis-server exited while starting");
            try
            {
                using TcpClient client = new();
                await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
                NetworkStream stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
                byte[] answer = new byte[16];
                int read = await stream.ReadAsync(answer, timeout.Token);
                if (Encoding.ASCII.GetString(answer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
