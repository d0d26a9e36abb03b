using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Herald.Cli;

namespace Herald.Bench.Verify;

/// <summary>
/// <c>herald-bench verify --chaos</c>: proves end to end, under forced faults, that every acknowledged event reaches every
/// subscriber exactly once, in ID order, with IDs +1 each. Exit 0 when it holds, 1 on any violation, 3 when the servers
/// cannot be started, 2 for bad options.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        Option<bool> chaos = new("--chaos") { Description = "Start the servers, publish and subscribe while forcing faults, then check every delivery (the only mode so far)." };
        Option<string> store = new("--store")
        {
            Description = "sqlite: one node on a SQLite file; redis: a Redis primary and its replica (AOF, fsync always) and two nodes on them that wait for the replica on every append (--redis-wait-replicas 1).",
            DefaultValueFactory = _ => "sqlite",
            HelpName = "sqlite|redis",
        };
        store.AcceptOnlyFromAmong("sqlite", "redis");
        Option<double> duration = Seconds("--duration", "Seconds of publishing and faults; the drain and the check come after.", 60, min: 1);
        Option<int> publishers = Count("--publishers", "Publishers, each sending one batch at a time.", 4, max: 64);
        Option<int> subscribers = Count("--subscribers", "Subscribers streaming from the first event (spread over both nodes with Redis).", 4, max: 64);
        Option<int> batch = Count("--batch", "Events per batch publish.", 100, max: 10_000);
        Option<double> faultInterval = Seconds("--fault-interval", "Seconds from one fault to the next (longer when a recovery takes longer).", 3, min: 0.5);
        Option<double> drainTimeout = Seconds("--drain-timeout", "Seconds the batches in flight and the subscribers' catch-up may take after the duration.", 60, min: 1);
        Option<string> serverCommand = new("--server-command") { Description = "Command that starts a Herald server; its options are appended. Default: Herald.Server next to herald-bench or in the repository's build, else herald-server on PATH.", HelpName = "cmd" };
        Option<string> redisServer = new("--redis-server") { Description = "The redis-server executable for --store redis.", DefaultValueFactory = _ => "redis-server", HelpName = "path" };
        Option<int?> seed = new("--seed") { Description = "Seed for the order of the faults and what they hit; a run prints its seed so it can be repeated. Default: random.", HelpName = "n" };

        Command command = new(
            "verify",
            "Verify a Herald server end to end under forced faults: no acknowledged event lost, duplicated or reordered. " +
            "Faults, each kind once per round in a seeded order: sigterm-restart and sigkill-restart (a node), connection-drop (a subscriber's and a publisher's connections); " +
            "with --store redis also node-kill (a node kept down while its clients fail over), redis-restart (SIGKILL to the Redis primary, restarted on its AOF) " +
            "and redis-failover (SIGKILL to the Redis primary, its replica promoted with REPLICAOF NO ONE and followed by the nodes, the old primary back as the new replica).")
        {
            chaos, store, duration, publishers, subscribers, batch, faultInterval, drainTimeout, serverCommand, redisServer, seed,
        };
        command.Validators.Add(result =>
        {
            if (!result.GetValue(chaos))
            {
                result.AddError("verify needs --chaos (the only mode so far)");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            ChaosOptions options = new()
            {
                Store = parse.GetValue(store) == "redis" ? ChaosStore.Redis : ChaosStore.Sqlite,
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Publishers = parse.GetValue(publishers),
                Subscribers = parse.GetValue(subscribers),
                Batch = parse.GetValue(batch),
                FaultInterval = TimeSpan.FromSeconds(parse.GetValue(faultInterval)),
                DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(drainTimeout)),
                ServerCommand = parse.GetValue(serverCommand),
                RedisServer = parse.GetValue(redisServer)!,
                Seed = parse.GetValue(seed) ?? RandomNumberGenerator.GetInt32(int.MaxValue),
            };
            return await RunAsync(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(ChaosOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ServerLaunch? launch = ServerLaunch.Resolve(options.ServerCommand, out string? launchError);
        if (launch is null)
        {
            await error.WriteLineAsync($"herald-bench verify: {launchError}").ConfigureAwait(false);
            return CliExitCodes.Unavailable;
        }

        string redisServer = options.RedisServer;
        if (options.Store == ChaosStore.Redis)
        {
            string? found = ServerLaunch.FindOnPath(options.RedisServer);
            if (found is null)
            {
                await error.WriteLineAsync($"herald-bench verify: {options.RedisServer} not found: install Redis (Debian: apt-get install redis-server) or pass --redis-server <path>").ConfigureAwait(false);
                return CliExitCodes.Unavailable;
            }

            redisServer = found;
        }

        ChaosConsole console = new(output, error);
        console.Line(string.Create(CultureInfo.InvariantCulture,
            $"herald-bench verify --chaos: {(options.Store == ChaosStore.Redis ? "redis primary + replica, two nodes" : "sqlite, one node")}, {options.Duration.TotalSeconds:0} s, " +
            $"{options.Publishers} publishers x batch {options.Batch}, {options.Subscribers} subscribers, a fault every {options.FaultInterval.TotalSeconds:0.#} s, seed {options.Seed}"));
        console.Line($"server: {launch}");

        ChaosRun run = new(options, launch, redisServer, console);
        ChaosResult? result;
        try
        {
            result = await console.WithStatusAsync(() => run.RunAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: the processes the run started are already killed; nothing was verified.
            await error.WriteLineAsync("herald-bench verify: interrupted; the servers it started were stopped and nothing was verified").ConfigureAwait(false);
            return CliExitCodes.Failed;
        }

        if (result is null)
        {
            return CliExitCodes.Unavailable;
        }

        ChaosReport.Write(console, result);
        return result.Passed ? CliExitCodes.Success : CliExitCodes.Failed;
    }

    private static Option<double> Seconds(string name, string description, double defaultValue, double min)
    {
        Option<double> option = new(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "seconds" };
        option.Validators.Add(result =>
        {
            double value = result.GetValueOrDefault<double>();
            if (double.IsNaN(value) || value < min || value > 86_400)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and 86400 seconds"));
            }
        });
        return option;
    }

    private static Option<int> Count(string name, string description, int defaultValue, int max)
    {
        Option<int> option = new(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "n" };
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 1 || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be between 1 and {max}"));
            }
        });
        return option;
    }
}
