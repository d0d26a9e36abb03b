using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Bench.Verify;

/// <summary>
/// A <c>redis-server</c> on a fixed loopback port in a directory of its own, with the durability Herald relies on (AOF on,
/// fsync always, no RDB snapshots): killed with SIGKILL and started again on the same directory and port, it replays the
/// AOF and still holds every acknowledged event. Started as a primary, or as a replica of another one
/// (<c>--replicaof</c>); a replica is promoted with <c>REPLICAOF NO ONE</c>, as a failover manager would.
/// </summary>
internal sealed class RedisNode : IDisposable
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(5);
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

    /// <summary><c>127.0.0.1:port</c>, as it appears in a store URI.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public int? Pid => _process?.Pid;

    /// <summary>
    /// Starts redis-server (as a replica of <paramref name="primary"/> when given, on whatever data its directory holds)
    /// and waits until it answers PING (not -LOADING: the AOF is replayed by then). A replica may not have synchronized
    /// yet: see <see cref="WaitForLinkAsync"/>.
    /// </summary>
    public async Task StartAsync(RedisNode? primary, CancellationToken cancellationToken)
    {
        _process?.Dispose();
        List<string> arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "no",

            // A full resynchronization starts at once instead of waiting 5 s for more replicas (there is only one):
            // the chaos run's faults come every few seconds, and every fault that restarts a process ends in one.
            "--repl-diskless-sync-delay", "0",
        ];
        if (primary is not null)
        {
            arguments.AddRange(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]);
        }

        _process = ChildProcess.Start("redis-server", _executable, arguments, _directory, logFile: Path.Combine(_directory, "redis-server.log"));

        await _process.WaitUntilReadyAsync(
            PingAsync,
            _startTimeout,
            exitCode => $"redis-server on :{Port} exited with {exitCode}.",
            $"redis-server on :{Port} did not answer PING within {_startTimeout.TotalSeconds:0} s.",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGKILL: what is not in the AOF is gone; with fsync always that is nothing that was acknowledged.</summary>
    public Task KillAsync(TimeSpan timeout) => Running.KillAndWaitAsync(timeout);

    /// <summary>
    /// Waits until this replica's link to its primary is up (<paramref name="up"/>: synchronized, it receives the
    /// primary's writes) or down (it noticed that the primary is gone), as <c>INFO replication</c> says; throws
    /// <see cref="InvalidOperationException"/> after <paramref name="timeout"/>, or when the process exits.
    /// </summary>
    public Task WaitForLinkAsync(bool up, TimeSpan timeout, CancellationToken cancellationToken) =>
        Running.WaitUntilReadyAsync(
            async token => await LinkIsUpAsync(token).ConfigureAwait(false) == up,
            timeout,
            exitCode => $"redis-server on :{Port} exited with {exitCode} while its replication link was to go {(up ? "up" : "down")}.",
            $"the replication link of redis-server on :{Port} did not go {(up ? "up" : "down")} within {timeout.TotalSeconds:0} s.",
            cancellationToken);

    /// <summary><c>REPLICAOF NO ONE</c>: this replica becomes a primary, keeping the data it has, and accepts writes.</summary>
    public async Task PromoteAsync(CancellationToken cancellationToken)
    {
        RedisReply reply;
        try
        {
            reply = await CommandAsync(["REPLICAOF", "NO", "ONE"], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"REPLICAOF NO ONE to redis-server on :{Port} failed: {ex.Message}", ex);
        }

        if (reply.IsError || reply.Text != "OK")
        {
            throw new InvalidOperationException($"redis-server on :{Port} answered REPLICAOF NO ONE with {reply.Text}.");
        }
    }

    public void Dispose() => _process?.Dispose();

    private ChildProcess Running => _process ?? throw new InvalidOperationException($"redis-server on :{Port} is not running.");

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            RedisReply reply = await CommandAsync(["PING"], cancellationToken).ConfigureAwait(false);
            return !reply.IsError && reply.Text == "PONG"; // -LOADING while the AOF is replayed
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false; // not listening yet
        }
    }

    /// <summary>Whether <c>INFO replication</c> says <c>master_link_status:up</c>; false when it cannot be asked.</summary>
    private async Task<bool> LinkIsUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            RedisReply reply = await CommandAsync(["INFO", "replication"], cancellationToken).ConfigureAwait(false);
            return !reply.IsError && reply.Text.Split('\n').Any(line => line.TrimEnd('\r') == "master_link_status:up");
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// One command on a connection of its own, in RESP; the reply when it is a simple string, an error, an integer or a
    /// bulk string (the only kinds the commands above get). Bounded by 5 s.
    /// </summary>
    private async Task<RedisReply> CommandAsync(IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_commandTimeout);
        using TcpClient client = new();
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
        NetworkStream stream = client.GetStream();
        StringBuilder request = new();
        request.Append(CultureInfo.InvariantCulture, $"*{words.Count}\r\n");
        foreach (string word in words)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.ASCII.GetByteCount(word)}\r\n{word}\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), timeout.Token).ConfigureAwait(false);
        using StreamReader reader = new(stream, Encoding.ASCII);
        string line = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false)
            ?? throw new IOException($"redis-server on :{Port} closed the connection without a reply.");
        if (line.Length == 0)
        {
            throw new IOException($"redis-server on :{Port} sent an empty reply line.");
        }

        switch (line[0])
        {
            case '+':
            case ':':
                return new RedisReply(false, line[1..]);
            case '-':
                return new RedisReply(true, line[1..]);
            case '$':
                int length = int.Parse(line.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return new RedisReply(false, string.Empty);
                }

                // INFO is ASCII: as many characters as bytes.
                char[] text = new char[length];
                int read = await reader.ReadBlockAsync(text.AsMemory(), timeout.Token).ConfigureAwait(false);
                if (read < length)
                {
                    throw new IOException($"redis-server on :{Port} closed the connection in the middle of a reply.");
                }

                return new RedisReply(false, new string(text));
            default:
                throw new IOException($"redis-server on :{Port} sent a reply this client does not read: {line}");
        }
    }

    private readonly record struct RedisReply(bool IsError, string Text);
}
