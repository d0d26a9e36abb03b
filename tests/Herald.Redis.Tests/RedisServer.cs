using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Herald.Redis.Tests.Topology;
using StackExchange.Redis;
// StackExchange.Redis has a ClientInfo of its own (from its CLIENT LIST); these helpers return the test one.
using ClientInfo = Herald.Redis.Tests.Topology.ClientInfo;

namespace Herald.Redis.Tests;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in a temporary directory, with the settings Herald asks for
/// (AOF on, fsync always, no RDB snapshots). It can be shut down and started again on the same directory and port, so
/// the AOF carries the data across; it is killed and its directory deleted on dispose.
/// <see cref="RedisServerOptions"/> make it a replica, a cluster node or a TLS server; <see cref="KillAsync"/> and
/// <see cref="PauseAsync"/> are the faults the failover tests inject (a crashed primary, a replica that stops answering).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);
    // A local server answers in milliseconds; this only bounds a command sent to a paused or wedged one.
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(10);
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer(string directory, int port, RedisServerOptions options, RedisTlsFiles? tls)
    {
        Directory = directory;
        Port = port;
        Options = options;
        Tls = tls;
    }

    public string Directory { get; }

    /// <summary>The port clients use: the plain port, or the TLS port when <see cref="RedisServerOptions.Tls"/> is on.</summary>
    public int Port { get; }

    public RedisServerOptions Options { get; }

    /// <summary>The certificates of a TLS server; null for a plain one.</summary>
    public RedisTlsFiles? Tls { get; }

    /// <summary><c>127.0.0.1:port</c>, as <c>--replicaof</c>, <c>redis-cli --cluster</c> and multi-endpoint URIs name a node.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary><c>redis://127.0.0.1:port</c>, or <c>rediss://</c> for a TLS server.</summary>
    public string Uri => $"{(Tls is null ? "redis" : "rediss")}://{Endpoint}";

    /// <summary>The client configuration for <see cref="Uri"/>; for a TLS server it trusts <see cref="RedisTlsFiles.CaCertificatePath"/>.</summary>
    public ConfigurationOptions Configuration
    {
        get
        {
            ConfigurationOptions configuration = RedisUri.Parse(Uri);
            if (Tls is not null)
            {
                configuration.TrustIssuer(Tls.CaCertificatePath);
            }

            return configuration;
        }
    }

    /// <summary>The redis-server's process id while one runs (after a start, before a shutdown or kill).</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>Whether it is stopped by <see cref="PauseAsync"/> and not yet resumed.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>Starts a redis-server as <paramref name="options"/> say (Herald's defaults when null) and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync(RedisServerOptions? options = null)
    {
        options ??= new RedisServerOptions();
        string directory = System.IO.Directory.CreateTempSubdirectory("herald-redis-").FullName;
        RedisTlsFiles? tls = options.Tls ? RedisTlsFiles.Create(directory) : null;
        var server = new RedisServer(directory, options.Port ?? FreePort(), options, tls);
        try
        {
            await server.StartAgainAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

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
        string port = Port.ToString(CultureInfo.InvariantCulture);
        string[] listen = Tls is null
            ? ["--port", port]
            : ["--port", "0", "--tls-port", port, "--tls-cert-file", Tls.CertificatePath, "--tls-key-file", Tls.KeyPath,
                "--tls-ca-cert-file", Tls.CaCertificatePath, "--tls-auth-clients", "no"];
        foreach (string arg in (string[])[.. listen, "--bind", "127.0.0.1", "--dir", Directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "no", .. Options.Arguments])
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        IsPaused = false;

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

    /// <summary>
    /// SIGKILL, then waits for the process to end: no SHUTDOWN, no last fsync, connections reset. What a crashed primary
    /// looks like to its replicas and clients. <see cref="StartAgainAsync"/> brings it back on the same port and directory.
    /// </summary>
    public async Task KillAsync()
    {
        Process process = _process ?? throw new InvalidOperationException($"redis-server {Endpoint} is not running.");
        try
        {
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }

        await process.WaitForExitAsync().WaitAsync(s_startTimeout);
        process.Dispose();
        _process = null;
        IsPaused = false;
    }

    /// <summary>
    /// SIGSTOP: the process stays alive with its sockets open but runs no more, so peers see a node that accepts
    /// connections and never answers (a replica behind a GC pause or a frozen VM), unlike a killed one whose
    /// connections are refused. Returns once the kernel reports the process stopped.
    /// </summary>
    public async Task PauseAsync()
    {
        await SignalAsync("STOP", stopped: true);
        IsPaused = true;
    }

    /// <summary>SIGCONT: a paused process carries on where it stopped; returns once the kernel reports it running.</summary>
    public async Task ResumeAsync()
    {
        await SignalAsync("CONT", stopped: false);
        IsPaused = false;
    }

    /// <summary>Sends one inline command on a fresh connection and returns the first line of the reply.</summary>
    public async Task<string> CommandAsync(string command, CancellationToken cancellationToken)
    {
        await using Stream stream = await ConnectAsync(cancellationToken);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cancellationToken);
        using var reader = new System.IO.StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        using var lineTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lineTimeout.CancelAfter(s_startTimeout);
        return await reader.ReadLineAsync(lineTimeout.Token) ?? throw new IOException("Redis closed the connection.");
    }

    /// <summary>
    /// Sends a command as a RESP array (so an argument may hold spaces) on a fresh connection, and returns the whole
    /// reply in its simple string form (<see cref="RespValue.ToString"/>): <c>OK</c>, <c>42</c>, <c>(nil)</c>, a bulk
    /// string as it is, an array as <c>[a, b]</c>. An error reply throws <see cref="RedisReplyException"/>.
    /// </summary>
    public async Task<string> CommandAsync(params string[] args)
    {
        RespValue reply = await ExecuteAsync(args);
        return reply.IsError
            ? throw new RedisReplyException($"redis-server {Endpoint} answered {string.Join(' ', args)} with {reply.Text}", reply.Text!)
            : reply.ToString();
    }

    /// <summary>Sends a command as a RESP array on a fresh connection and returns the reply as read (an error reply too), within 10 s.</summary>
    public async Task<RespValue> ExecuteAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(s_commandTimeout);
        try
        {
            return await ExecuteAsync(args, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"redis-server {Endpoint} did not answer {string.Join(' ', args)} within {s_commandTimeout.TotalSeconds:0} s{(IsPaused ? " (it is paused)" : "")}.");
        }
    }

    /// <summary>Sends a command as a RESP array on a fresh connection and returns the reply as read, until <paramref name="cancellationToken"/> fires.</summary>
    public async Task<RespValue> ExecuteAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        (await PipelineAsync([args], cancellationToken))[0];

    /// <summary>
    /// Sends several commands on one fresh connection and returns their replies in order (errors included), within 10 s.
    /// For what belongs to a connection, which the one-connection-per-command helpers lose: <c>WAIT</c> counts the
    /// replicas that have this connection's writes, <c>MULTI</c>/<c>EXEC</c>, <c>CLIENT SETNAME</c>.
    /// </summary>
    public async Task<IReadOnlyList<RespValue>> PipelineAsync(params IReadOnlyList<string>[] commands)
    {
        using var timeout = new CancellationTokenSource(s_commandTimeout);
        try
        {
            return await PipelineAsync(commands, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"redis-server {Endpoint} did not answer {commands.Length} pipelined commands within {s_commandTimeout.TotalSeconds:0} s{(IsPaused ? " (it is paused)" : "")}.");
        }
    }

    /// <summary>Sends several commands on one fresh connection and returns their replies in order, until <paramref name="cancellationToken"/> fires.</summary>
    public async Task<IReadOnlyList<RespValue>> PipelineAsync(IReadOnlyList<IReadOnlyList<string>> commands, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(commands.Count);
        await using Stream stream = await ConnectAsync(cancellationToken);
        foreach (IReadOnlyList<string> command in commands)
        {
            ArgumentOutOfRangeException.ThrowIfZero(command.Count);
            await stream.WriteAsync(RespProtocol.EncodeCommand(command), cancellationToken);
        }

        return await RespProtocol.ReadAsync(stream, commands.Count, cancellationToken);
    }

    /// <summary>
    /// <c>CLIENT LIST</c>, parsed: every connection the server has, including the one that asks (its <c>cmd</c> is
    /// <c>client|list</c>) and, on a primary, its replicas (flag <c>S</c>).
    /// </summary>
    public async Task<IReadOnlyList<ClientInfo>> ClientListAsync() =>
        ClientInfo.ParseList(await CommandAsync("CLIENT", "LIST"));

    /// <summary><c>INFO section</c> as its <c>field:value</c> lines (e.g. <c>role</c>, <c>master_link_status</c>, <c>cluster_state</c>).</summary>
    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string section)
    {
        string reply = await CommandAsync("INFO", section);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
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
            _process = null;
        }

        Tls?.Dispose();
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

    /// <summary>
    /// A plain connection, or a TLS one that trusts only this server's CA and checks the name 127.0.0.1 against the
    /// certificate, as a production client would.
    /// </summary>
    private async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var network = new NetworkStream(socket, ownsSocket: true);
        if (Tls is null)
        {
            return network;
        }

        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", CertificateChainPolicy = Tls.ChainPolicy() },
                cancellationToken);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        return ssl;
    }

    /// <summary>
    /// Sends SIGSTOP or SIGCONT to this server's process (by its id, with kill(1) as .NET has no API for other signals),
    /// then waits until /proc shows the state the signal asks for: delivery is asynchronous, and a test that pauses a
    /// replica must not write to the primary while the replica can still read it.
    /// </summary>
    private async Task SignalAsync(string signal, bool stopped)
    {
        Process process = _process is { HasExited: false } running ? running : throw new InvalidOperationException($"redis-server {Endpoint} is not running.");
        string pid = process.Id.ToString(CultureInfo.InvariantCulture);
        using (Process kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill."))
        {
            await kill.WaitForExitAsync().WaitAsync(s_commandTimeout);
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -{signal} {pid} exited with {kill.ExitCode}.");
            }
        }

        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return; // not Linux: trust the signal
        }

        await BoundedWait.UntilAsync(
            async () => IsStopped(await File.ReadAllTextAsync(stat)) == stopped,
            s_commandTimeout,
            () => $"redis-server {Endpoint} (pid {pid}) is still {(stopped ? "running" : "stopped")} after SIGSTOP/SIGCONT");
    }

    /// <summary>The state in /proc/pid/stat comes after the parenthesized command name; T is stopped by a signal.</summary>
    private static bool IsStopped(string stat) => stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T');

    /// <summary>A port nothing listens on now; the kernel hands out each ephemeral port once while it is bound.</summary>
    internal static int FreePort() => FreePorts(1)[0];

    /// <summary>
    /// <paramref name="count"/> distinct free ports: all are held at once before any is released, so none repeats (a
    /// cluster node needs a client port and a bus port).
    /// </summary>
    internal static IReadOnlyList<int> FreePorts(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (TcpListener listener in listeners)
            {
                listener.Dispose();
            }
        }
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
