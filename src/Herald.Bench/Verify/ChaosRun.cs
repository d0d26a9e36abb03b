using System.Diagnostics;
using System.Security.Cryptography;

namespace Herald.Bench.Verify;

/// <summary>
/// One <c>herald-bench verify --chaos</c> run: starts the servers, publishes and subscribes while forcing a fault every
/// <see cref="ChaosOptions.FaultInterval"/>, drains, and checks what every subscriber received against what was acknowledged.
/// </summary>
internal sealed class ChaosRun
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);
    // After a slow recovery, the next fault still waits this long, so that clients get to resume between faults.
    // Short: on 2 loaded cores a node restart takes 2-7 s, and a longer pause would leave the default run under 50 faults.
    private static readonly TimeSpan s_minimumSteadyTime = TimeSpan.FromMilliseconds(500);
    private readonly ChaosOptions _options;
    private readonly ServerLaunch _launch;
    private readonly string _redisServer;
    private readonly ChaosConsole _console;
    private readonly Random _random;
    private readonly string _runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly AcknowledgedEvents _acknowledged = new();
    private readonly Dictionary<FaultKind, int> _faults = [];
    private readonly List<string> _failures = [];
    private int _faultCount;

    public ChaosRun(ChaosOptions options, ServerLaunch launch, string redisServer, ChaosConsole console)
    {
        _options = options;
        _launch = launch;
        _redisServer = redisServer;
        _console = console;

        // Reproducible from --seed: the order of the faults and the nodes and clients they hit.
#pragma warning disable CA5394 // Not for security: a seeded generator is what makes a chaos run repeatable.
        _random = new Random(options.Seed);
#pragma warning restore CA5394
    }

    private string Stream => "chaos-" + _runId;

    /// <summary>The result, or null when the servers could not be started at all (the reason is on the console).</summary>
    public async Task<ChaosResult?> RunAsync(CancellationToken cancellationToken)
    {
        string directory = Directory.CreateTempSubdirectory("herald-chaos-").FullName;
        bool keepDirectory = false;
        try
        {
            ChaosCluster cluster;
            try
            {
                cluster = await ChaosCluster.StartAsync(_options.Store, _launch, _redisServer, directory, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                _console.Error("could not start the servers: " + ex.Message);
                return null;
            }

            using (cluster)
            {
                _console.Line($"started {Describe(cluster)}; stream {Stream}; data in {directory}");
                ChaosResult result = await RunOnAsync(cluster, cancellationToken).ConfigureAwait(false);
                keepDirectory = !result.Passed;
                if (keepDirectory)
                {
                    _console.Line($"the store and every process's log (node-*.log, */redis-server.log) are kept for inspection in {directory}");
                }

                return result;
            }
        }
        finally
        {
            if (!keepDirectory)
            {
                DeleteDirectory(directory);
            }
        }
    }

    private async Task<ChaosResult> RunOnAsync(ChaosCluster cluster, CancellationToken cancellationToken)
    {
        ChaosPayload payloads = new(_runId);
        List<ChaosSubscriber> subscribers = [];
        List<ChaosPublisher> publishers = [];
        using CancellationTokenSource stopPublishing = new();
        using CancellationTokenSource abortPublishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using CancellationTokenSource stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task progress = Task.CompletedTask;
        Task publishing = Task.CompletedTask;
        try
        {
            for (int s = 1; s <= _options.Subscribers; s++)
            {
                ChaosSubscriber subscriber = new(s, UrlsFor(cluster, s), Stream, payloads);
                subscribers.Add(subscriber);
                subscriber.Start();
            }

            for (int p = 1; p <= _options.Publishers; p++)
            {
                publishers.Add(new ChaosPublisher(p, UrlsFor(cluster, p), Stream, _runId, _options.Batch, payloads, _acknowledged));
            }

            Stopwatch clock = Stopwatch.StartNew();
            publishing = Task.WhenAll(publishers.Select(p => PublishAsync(p, stopPublishing.Token, abortPublishing.Token, cancellationToken)));
            progress = ReportProgressAsync(subscribers, clock, stopProgress.Token);

            await ForceFaultsAsync(cluster, subscribers, publishers, clock, cancellationToken).ConfigureAwait(false);
            TimeSpan elapsed = clock.Elapsed;

            // Drain: no new batch; the ones in flight are retried with their keys until acknowledged, then every
            // subscriber must reach the stream's last ID. Both within one drain timeout.
            Stopwatch drain = Stopwatch.StartNew();
            await stopPublishing.CancelAsync().ConfigureAwait(false);
            abortPublishing.CancelAfter(_options.DrainTimeout);
            _console.Line($"drain: waiting for the batches in flight and for {subscribers.Count} subscribers to catch up (at most {_options.DrainTimeout.TotalSeconds:0} s)");
            await publishing.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            await CatchUpAsync(cluster, subscribers, _options.DrainTimeout - drain.Elapsed, cancellationToken).ConfigureAwait(false);
            await stopProgress.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);

            foreach (ChaosSubscriber subscriber in subscribers)
            {
                await subscriber.StopAsync().ConfigureAwait(false);
            }

            ChaosVerdict verdict = ChaosChecker.Check(_acknowledged.Snapshot(), [.. subscribers.Select(s => s.Log)]);
            _failures.AddRange(publishers.Select(p => p.Failure).Concat(subscribers.Select(s => s.Failure)).OfType<string>());
            return new ChaosResult
            {
                Options = _options,
                Server = _launch,
                Elapsed = elapsed,
                Faults = _faults,
                Verdict = verdict,
                PublishesResent = publishers.Sum(p => p.Resent),
                PublishesReplayed = publishers.Sum(p => p.Replayed),
                UnacknowledgedBatches = publishers.Count(p => p.HasUnacknowledgedBatch),
                Failures = _failures,
            };
        }
        finally
        {
            await stopPublishing.CancelAsync().ConfigureAwait(false);
            await abortPublishing.CancelAsync().ConfigureAwait(false);
            await stopProgress.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            // Interrupted: let the publishers see the cancellation before their clients are disposed under them.
            await publishing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (ChaosSubscriber subscriber in subscribers)
            {
                await subscriber.DisposeAsync().ConfigureAwait(false);
            }

            foreach (ChaosPublisher publisher in publishers)
            {
                await publisher.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one publisher; the drain cutting off its last batch is an outcome (reported), not an error.</summary>
    private static async Task PublishAsync(ChaosPublisher publisher, CancellationToken stop, CancellationToken abort, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(() => publisher.RunAsync(stop, abort), CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ForceFaultsAsync(ChaosCluster cluster, List<ChaosSubscriber> subscribers, List<ChaosPublisher> publishers, Stopwatch clock, CancellationToken cancellationToken)
    {
        FaultPlan plan = new(FaultKinds.For(_options.Store), _random);
        TimeSpan next = _options.FaultInterval;
        while (true)
        {
            TimeSpan wait = Min(next, _options.Duration) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            if (clock.Elapsed >= _options.Duration)
            {
                return;
            }

            FaultKind kind = plan.Next();
            TimeSpan started = clock.Elapsed;
            try
            {
                string what = await InjectAsync(kind, cluster, subscribers, publishers, cancellationToken).ConfigureAwait(false);
                _faults[kind] = _faults.GetValueOrDefault(kind) + 1;
                Interlocked.Increment(ref _faultCount);
                _console.Line($"{started.TotalSeconds,6:0.0}s  {kind.Name(),-16} {what}, recovered in {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }
            catch (InvalidOperationException ex)
            {
                // A node or Redis that does not come back is a finding of its own; stop forcing faults and check what we have.
                _faults[kind] = _faults.GetValueOrDefault(kind) + 1;
                Interlocked.Increment(ref _faultCount);
                string failure = $"{kind.Name()} at {started.TotalSeconds:0.0}s: {ex.Message}";
                _failures.Add(failure);
                _console.Error(failure);
                return;
            }

            next = Max(started + _options.FaultInterval, clock.Elapsed + s_minimumSteadyTime);
        }
    }

    private async Task<string> InjectAsync(FaultKind kind, ChaosCluster cluster, List<ChaosSubscriber> subscribers, List<ChaosPublisher> publishers, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case FaultKind.SigtermRestart:
            {
                HeraldNode node = Pick(cluster.Nodes);
                int? before = node.Pid;
                int exitCode = await node.TerminateAsync(ChaosCluster.ExitWait).ConfigureAwait(false);
                if (exitCode != 0)
                {
                    // docs/protocol.md "Operations": SIGTERM exits 0. Keep what the process said last: the restart replaces it.
                    _failures.Add($"node {node.Name} (pid {before}) exited with {exitCode} after SIGTERM, not 0. Its last output:\n{node.RecentOutput}");
                }

                await node.StartAsync(cancellationToken).ConfigureAwait(false);

                return $"node {node.Name}: SIGTERM pid {before} (exit {exitCode}), restarted as pid {node.Pid}";
            }

            case FaultKind.SigkillRestart:
            {
                HeraldNode node = Pick(cluster.Nodes);
                int? before = node.Pid;
                await node.KillAsync(ChaosCluster.ExitWait).ConfigureAwait(false);
                await node.StartAsync(cancellationToken).ConfigureAwait(false);
                return $"node {node.Name}: SIGKILL pid {before}, restarted as pid {node.Pid}";
            }

            case FaultKind.NodeKill:
            {
                HeraldNode node = Pick(cluster.Nodes);
                int? before = node.Pid;
                TimeSpan downtime = Min(_options.FaultInterval / 2, TimeSpan.FromSeconds(2));
                await node.KillAsync(ChaosCluster.ExitWait).ConfigureAwait(false);
                await Task.Delay(downtime, cancellationToken).ConfigureAwait(false);
                await node.StartAsync(cancellationToken).ConfigureAwait(false);
                return $"node {node.Name}: SIGKILL pid {before}, down {downtime.TotalSeconds:0.0} s (clients fail over), restarted as pid {node.Pid}";
            }

            case FaultKind.RedisRestart:
            {
                RedisRestart restart = await cluster.RestartRedisPrimaryAsync(cancellationToken).ConfigureAwait(false);
                return $"redis-server: SIGKILL primary pid {restart.KilledPid} on :{restart.Primary.Port}, restarted on its AOF as pid {restart.Primary.Pid} " +
                    $"(answering {restart.Restarted.TotalSeconds:0.0} s after the kill), replica pid {restart.Replica.Pid} on :{restart.Replica.Port} linked to it again after {restart.Relinked.TotalSeconds:0.0} s, " +
                    $"the nodes ready again after {restart.NodesReady.TotalSeconds:0.0} s";
            }

            case FaultKind.RedisFailover:
            {
                RedisFailover failover = await cluster.FailOverRedisAsync(cancellationToken).ConfigureAwait(false);
                return $"redis-server: SIGKILL primary pid {failover.KilledPid} on :{failover.Demoted.Port}, " +
                    $"promoted replica pid {failover.Promoted.Pid} on :{failover.Promoted.Port} (its link down after {failover.LinkDown.TotalSeconds:0.0} s), " +
                    $"old primary back as replica pid {failover.Demoted.Pid} on :{failover.Demoted.Port}; after the promotion the replica linked in {failover.Relinked.TotalSeconds:0.0} s " +
                    $"and the nodes were ready in {failover.NodesFollowed.TotalSeconds:0.0} s";
            }

            case FaultKind.ConnectionDrop:
            {
                ChaosSubscriber subscriber = Pick(subscribers);
                int publisher = _random.Next(publishers.Count);
                int cut = subscriber.DropConnections() + publishers[publisher].DropConnections();
                return $"subscriber {subscriber.Number} and publisher {publisher + 1}: {cut} connections cut";
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private async Task CatchUpAsync(ChaosCluster cluster, List<ChaosSubscriber> subscribers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Stopwatch waited = Stopwatch.StartNew();
        long target = await cluster.LastIdAsync(Stream, cancellationToken).ConfigureAwait(false) ?? _acknowledged.HighestId;
        target = Math.Max(target, _acknowledged.HighestId);
        while (subscribers.Any(s => s.Log.HighestId < target && s.Failure is null))
        {
            if (waited.Elapsed >= timeout)
            {
                _console.Line($"drain timeout: some subscribers did not reach ID {target}");
                return;
            }

            await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReportProgressAsync(List<ChaosSubscriber> subscribers, Stopwatch clock, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_console.ProgressInterval, cancellationToken).ConfigureAwait(false);
                double seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.001);
                long acknowledged = _acknowledged.Count;
                long slowest = subscribers.Count == 0 ? 0 : subscribers.Min(s => s.Log.HighestId);
                _console.Progress(
                    $"{Math.Min(seconds, _options.Duration.TotalSeconds),5:0}/{_options.Duration.TotalSeconds:0} s  faults {Volatile.Read(ref _faultCount)}  " +
                    $"acknowledged {acknowledged:N0} ({acknowledged / seconds:N0}/s)  slowest subscriber at {slowest:N0}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Each client prefers one node and fails over to the other; alternating spreads them over both.</summary>
    private static Uri[] UrlsFor(ChaosCluster cluster, int number)
    {
        Uri[] urls = [.. cluster.Nodes.Select(n => n.BaseUrl)];
        int first = number % urls.Length;
        return [.. urls[first..], .. urls[..first]];
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string Describe(ChaosCluster cluster)
    {
        string nodes = string.Join(", ", cluster.Nodes.Select(n => $"node {n.Name} on {n.BaseUrl.GetLeftPart(UriPartial.Authority)} (pid {n.Pid})"));
        return cluster is { RedisPrimary: { } primary, RedisReplica: { } replica }
            ? $"redis-server primary on {primary.Endpoint} (pid {primary.Pid}) and replica on {replica.Endpoint} (pid {replica.Pid}), {nodes} (--redis-wait-replicas 1)"
            : nodes;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A process still closing its files; the OS temp cleaner gets it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
