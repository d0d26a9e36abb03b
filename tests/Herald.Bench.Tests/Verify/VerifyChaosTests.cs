using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Bench.Tests.Verify;

/// <summary>Chaos runs start real server processes (and redis-server) that compete for the same cores: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosRunCollection
{
    public const string Name = "herald-bench verify --chaos with real servers";
}

/// <summary>
/// <c>herald-bench verify --chaos</c> end to end, as a user runs it: real Herald.Server processes killed and restarted, real
/// redis-server, real clients; the exit code and the JSON line are what a script would read.
/// </summary>
[Collection(ChaosRunCollection.Name)]
public sealed class VerifyChaosTests
{
    /// <summary>The seed of the Redis run: its first faults are a redis-failover, then a redis-restart (of the promoted primary).</summary>
    public const int RedisSeed = 10;

    // Hang guard only: the run bounds itself by --duration plus the drain timeout.
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Chaos_Sqlite_PassesThroughRestartsAndKills()
    {
        (int exit, JsonElement json, string output) = await RunAsync("--store", "sqlite", "--duration", "20", "--fault-interval", "2", "--seed", "11");

        Assert.True(exit == CliExitCodes.Success, $"exit {exit}:\n{output}");
        Assert.True(json.GetProperty("passed").GetBoolean(), output);
        Assert.True(json.GetProperty("faults").GetInt32() >= 3, $"expected at least 3 faults:\n{output}");
        Assert.True(json.GetProperty("faultsByKind").TryGetProperty("sigkill-restart", out _) || json.GetProperty("faultsByKind").TryGetProperty("sigterm-restart", out _), output);
        Assert.True(json.GetProperty("acknowledged").GetInt64() > 0, output);
        Assert.Equal(json.GetProperty("acknowledged").GetInt64() * 4, json.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, json.GetProperty("lost").GetInt64());
        Assert.Equal(0, json.GetProperty("duplicated").GetInt64());
        Assert.Equal(0, json.GetProperty("reordered").GetInt64());
    }

    [Fact]
    public async Task Chaos_RedisPrimaryAndReplica_PassesThroughFailoversRedisRestartsAndNodeKills()
    {
        // Like Herald.Redis.Tests, this needs redis-server on PATH (CI installs it); without it verify exits 3 and says so.
        // The seed's first round starts with a failover and then restarts the promoted primary (FaultPlanTests pins it).
        (int exit, JsonElement json, string output) = await RunAsync("--store", "redis", "--duration", "25", "--fault-interval", "2", "--seed", RedisSeed.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(exit == CliExitCodes.Success, $"exit {exit}:\n{output}");
        Assert.True(json.GetProperty("passed").GetBoolean(), output);
        Assert.True(json.GetProperty("faults").GetInt32() >= 3, $"expected at least 3 faults:\n{output}");
        Assert.True(json.GetProperty("faultsByKind").TryGetProperty("redis-failover", out JsonElement failovers) && failovers.GetInt32() >= 1, $"expected a redis-failover:\n{output}");
        Assert.True(json.GetProperty("faultsByKind").TryGetProperty("redis-restart", out JsonElement restarts) && restarts.GetInt32() >= 1, $"expected a redis-restart:\n{output}");
        Assert.Contains("promoted replica pid", output, StringComparison.Ordinal);
        Assert.Contains("old primary back as replica pid", output, StringComparison.Ordinal);
        Assert.True(json.GetProperty("acknowledged").GetInt64() > 0, output);
        Assert.Equal(json.GetProperty("acknowledged").GetInt64() * 4, json.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, json.GetProperty("lost").GetInt64());
        Assert.Equal(0, json.GetProperty("duplicated").GetInt64());
        Assert.Equal(0, json.GetProperty("reordered").GetInt64());
        Assert.Equal(0, json.GetProperty("resets").GetInt64());
    }

    [Fact]
    public async Task Chaos_ServerThatForgetsOnRestart_IsCaughtAndExits1()
    {
        // The real server, but on the memory store whatever verify asks for: every restart loses the acknowledged events
        // and starts the IDs again at 1. verify must notice (lost events, IDs given twice, reset frames) and fail.
        using TempDirectory directory = new();
        string script = directory.File("forgetful-server.sh");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        await File.WriteAllTextAsync(script, $$"""
            #!/usr/bin/env bash
            args=()
            while [ $# -gt 0 ]; do
              if [ "$1" = "--store" ]; then args+=("--store" "memory:"); shift 2; else args+=("$1"); shift; fi
            done
            exec '{{dotnet}}' '{{ServerProcess.ServerDll}}' "${args[@]}"
            """.ReplaceLineEndings("\n"));

        // Seed 3 starts with a restart within the first two faults (a run of sqlite faults has two restarts in three).
        (int exit, JsonElement json, string output) = await RunAsync("--duration", "8", "--fault-interval", "2", "--seed", "3", "--server-command", "bash " + script);

        string kept = KeptDirectory(output);
        string nodeLog = File.ReadAllText(Path.Combine(kept, "node-a.log"));
        Directory.Delete(kept, recursive: true);
        Assert.True(exit == CliExitCodes.Failed, $"expected exit 1, got {exit}:\n{output}");
        Assert.False(json.GetProperty("passed").GetBoolean());
        long violations = json.GetProperty("lost").GetInt64() + json.GetProperty("duplicated").GetInt64() + json.GetProperty("resets").GetInt64();
        Assert.True(violations > 0, output);

        // The failed run keeps each process's whole output beside the store, one start after another.
        Assert.True(nodeLog.Split('\n').Count(l => l.Contains("herald-bench started Herald node a as pid", StringComparison.Ordinal)) >= 2, nodeLog);
        Assert.Contains("Now listening on", nodeLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithoutChaos_IsBadUsage()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        int exit = await BenchCommandLine.RunAsync(["verify", "--duration", "5"], output, error, CancellationToken.None);

        Assert.Equal(CliExitCodes.BadUsage, exit);
        Assert.Contains("--chaos", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BatchAboveTheServersLimit_IsBadUsage()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        int exit = await BenchCommandLine.RunAsync(["verify", "--chaos", "--batch", "10001"], output, error, CancellationToken.None);

        Assert.Equal(CliExitCodes.BadUsage, exit);
        Assert.Contains("--batch", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Where a failed run says it kept its store and the processes' logs (this one failed on purpose).</summary>
    private static string KeptDirectory(string output)
    {
        const string Marker = " are kept for inspection in ";
        string? line = output.Split('\n').FirstOrDefault(l => l.Contains(Marker, StringComparison.Ordinal));
        Assert.True(line is not null, $"no kept directory named:\n{output}");
        string path = line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim();
        Assert.StartsWith("herald-chaos-", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.True(Directory.Exists(path), path);
        return path;
    }

    private static async Task<(int Exit, JsonElement Json, string Output)> RunAsync(params string[] options)
    {
        using StringWriter output = new();
        using StringWriter error = new();
        using CancellationTokenSource timeout = new(s_runTimeout);

        int exit = await BenchCommandLine.RunAsync(["verify", "--chaos", .. options], output, error, timeout.Token);

        string all = output + "\n" + error;
        string? jsonLine = output.ToString().Split('\n').LastOrDefault(l => l.StartsWith('{'));
        Assert.True(jsonLine is not null, $"no JSON line (exit {exit}):\n{all}");
        using JsonDocument document = JsonDocument.Parse(jsonLine);
        return (exit, document.RootElement.Clone(), all);
    }
}
