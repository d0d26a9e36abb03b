using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Cli.Verify;

/// <summary>
/// A <c>redis-server</c> on a fixed loopback port in this run's directory, with the durability Herald relies on (AOF on,
/// fsync always, no RDB snapshots): killed with SIGKILL and started again on the same directory and port, it replays the
/// AOF and still holds every acknowledged event.
/// </summary>
internal sealed class RedisNode : IDisposable
{
    private readonly string _executable;
    private readonly string _directory;
    private readonly TimeSpan _startTimeout;
    private ChildProcess? _process;

    public RedisNode(string executable, string directory, TimeSpan startTimeout)
    {
        _executable = executable;
        _directory = directory;
        _startTimeout = startTimeout;
        Port = LoopbackPorts.Pick();
    }

    public int Port { get; }

    public string StoreUri => string.Create(CultureInfo.InvariantCulture, $"redis://127.0.0.1:{Port}");

    public int? Pid => _process?.Pid;

    /// <summary>Starts redis-server and waits until it answers PING (not -LOADING: the AOF is replayed by then).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _process?.Dispose();
        string[] arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "no",
        ];
        _process = ChildProcess.Start("redis-server", _executable, arguments, _directory);

        await _process.WaitUntilReadyAsync(
            PingAsync,
            _startTimeout,
            exitCode => $"redis-server exited with {exitCode}.",
            $"redis-server did not answer PING within {_startTimeout.TotalSeconds:0} s.",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGKILL: what is not in the AOF is gone; with fsync always that is nothing that was acknowledged.</summary>
    public Task KillAsync(TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException("redis-server is not running.")).KillAndWaitAsync(timeout);

    public void Dispose() => _process?.Dispose();

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using TcpClient client = new();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            using StreamReader reader = new(stream, Encoding.ASCII);
            using CancellationTokenSource lineTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            lineTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            string? reply = await reader.ReadLineAsync(lineTimeout.Token).ConfigureAwait(false);
            return reply is not null && reply.StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false; // not listening yet
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
