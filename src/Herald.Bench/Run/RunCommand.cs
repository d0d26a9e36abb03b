using System.CommandLine;
using System.Net.Sockets;
using Herald.Cli;

namespace Herald.Bench.Run;

/// <summary>
/// <c>herald-bench run</c>: drives a running server on loopback with raw-socket subscribers and publishers and reports rates,
/// latency and exactness (a table on the error stream, one JSON line on the output).
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        Option<string> scenario = new("--scenario")
        {
            Description = "fanout: subscribers on one stream while publishers post; publish: publishers only; idle: server RSS per idle connection (needs --server-pid); catchup: time one subscriber to read --events retained events from ID 0.",
            DefaultValueFactory = _ => BenchScenarios.Fanout,
        };
        scenario.AcceptOnlyFromAmong(BenchScenarios.All);
        Option<Uri> server = CommonOptions.Server();
        Option<int?> subscribers = new("--subscribers") { Description = "Subscribers (default: fanout 1000, idle 5000, else 0).", HelpName = "n" };
        Option<int?> publishers = new("--publishers") { Description = "Publishers, one keep-alive connection each (default: 8 for fanout and publish).", HelpName = "n" };
        Option<double?> rate = new("--rate") { Description = "Events/s offered by all publishers together; 0 = closed loop, flat out (default: fanout 2000, publish 0).", HelpName = "events/s" };
        Option<double> duration = new("--duration") { Description = "Seconds of publishing (idle: seconds to hold the connections before measuring).", DefaultValueFactory = _ => 10, HelpName = "seconds" };
        Option<int> payloadBytes = new("--payload-bytes") { Description = "Size of each event's JSON data.", DefaultValueFactory = _ => 200, HelpName = "bytes" };
        Option<int> batch = new("--batch") { Description = "Events per publish request: 1 = single POST, more = NDJSON batch.", DefaultValueFactory = _ => 1, HelpName = "n" };
        Option<long> events = new("--events") { Description = "catchup: retained events to read back.", DefaultValueFactory = _ => 50_000, HelpName = "n" };
        Option<int?> serverPid = new("--server-pid") { Description = "The server's PID (same machine), to read its RSS from /proc/<pid>/status and its CPU time from /proc/<pid>/stat.", HelpName = "pid" };
        Option<int> streams = new("--streams")
        {
            Description = "fanout, publish (and idle with --stream-per-subscriber --composite: streams of each subscriber's own): streams the publishers spread their events over, round-robin (<prefix>-0 … <prefix>-(n-1)); each subscriber follows all of them, with one connection per stream unless --composite. Per stream, every subscriber's IDs are checked 1, 2, 3, ….",
            DefaultValueFactory = _ => 1,
            HelpName = "n",
        };
        Option<bool> composite = new("--composite")
        {
            Description = "fanout (and idle with --stream-per-subscriber): each subscriber is ONE GET /subscribe?stream=…&stream=… connection following all --streams (at most the server's --max-streams-per-subscription, 64 by default), instead of one GET /streams/{name} connection per stream; its composite id: values are checked pair by pair (exactly one pair moves per event, by 1).",
        };
        Option<bool> streamPerSubscriber = new("--stream-per-subscriber")
        {
            Description = "idle: each subscriber follows a stream of its own (a stream per user), so the RSS figure is per (stream + subscriber); after the measurement the subscribers leave and, --duration later, the RSS is read again (rssEndKiB) to show what was given back. With --streams K --composite, each subscriber follows K streams of its own on one GET /subscribe connection (rssPerStreamKiB: per stream).",
        };
        Command command = new("run", "Measure a Herald (or baseline) server on loopback: rates, publish→receive latency, gaps, duplicates, RSS per idle connection.")
        {
            scenario, server, subscribers, publishers, rate, duration, payloadBytes, batch, events, serverPid, streams, composite, streamPerSubscriber,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            string name = result.GetValue(scenario)!;
            BenchSettings settings = new()
            {
                Scenario = name,
                Server = result.GetValue(server)!,
                Subscribers = result.GetValue(subscribers) ?? BenchScenarios.DefaultSubscribers(name),
                Publishers = result.GetValue(publishers) ?? BenchScenarios.DefaultPublishers(name),
                Rate = result.GetValue(rate) ?? BenchScenarios.DefaultRate(name),
                Duration = TimeSpan.FromSeconds(result.GetValue(duration)),
                PayloadBytes = result.GetValue(payloadBytes),
                Batch = result.GetValue(batch),
                Events = result.GetValue(events),
                ServerPid = result.GetValue(serverPid),
                Streams = result.GetValue(streams),
                Composite = result.GetValue(composite),
                StreamPerSubscriber = result.GetValue(streamPerSubscriber),
            };
            if (Refusal(settings) is string refusal)
            {
                await error.WriteLineAsync($"herald-bench run: {refusal}").ConfigureAwait(false);
                return CliExitCodes.BadUsage;
            }

            BenchResult measured;
            try
            {
                double? benchCpu = ProcessCpu.Seconds(Environment.ProcessId);
                double? serverCpu = ProcessCpu.Seconds(settings.ServerPid);
                measured = await BenchScenarios.RunAsync(settings, cancellationToken).ConfigureAwait(false);
                measured = measured with
                {
                    BenchCpuSeconds = ProcessCpu.Seconds(Environment.ProcessId) - benchCpu,
                    ServerCpuSeconds = ProcessCpu.Seconds(settings.ServerPid) - serverCpu,
                };
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                await error.WriteLineAsync($"herald-bench run: could not talk to {settings.Server}: {e.Message}").ConfigureAwait(false);
                return CliExitCodes.Unavailable;
            }

            BenchReport.WriteTable(measured, error);
            await output.WriteLineAsync(BenchReport.Json(measured)).ConfigureAwait(false);
            return measured.Exact ? CliExitCodes.Success : CliExitCodes.Failed;
        });
        return command;
    }

    private static string? Refusal(BenchSettings settings)
    {
        if (settings.Subscribers < 0 || settings.Publishers < 0 || settings.Rate < 0)
        {
            return "--subscribers, --publishers and --rate must be 0 or more";
        }

        if (settings.Duration <= TimeSpan.Zero || settings.Duration > TimeSpan.FromHours(1))
        {
            return "--duration must be more than 0 and at most 3600 seconds";
        }

        if (settings.PayloadBytes is < 1 or > 1_000_000 || settings.Batch is < 1 or > 10_000 || settings.Events is < 1 or > 10_000_000)
        {
            return "--payload-bytes must be 1..1000000, --batch 1..10000, --events 1..10000000";
        }

        // A load generator aimed at someone else's machine is an accident waiting to happen.
        if (!settings.Server.IsLoopback)
        {
            return $"it runs against loopback servers only, not {settings.Server}";
        }

        if (settings.Streams is < 1 or > 1024)
        {
            return "--streams must be 1..1024";
        }

        // idle --stream-per-subscriber --streams K --composite: each subscriber follows K streams of its own on one
        // connection, so one run can hold more streams than the machine allows connections.
        bool ownStreamsOnOneConnection = settings.Scenario == BenchScenarios.Idle && settings.StreamPerSubscriber && settings.Composite;
        if (!ownStreamsOnOneConnection
            && ((settings.Streams > 1 && settings.Scenario is not (BenchScenarios.Fanout or BenchScenarios.Publish)) || (settings.Composite && settings.Scenario != BenchScenarios.Fanout)))
        {
            return "--streams applies to the fanout and publish scenarios, --composite to fanout (and both to idle with --stream-per-subscriber)";
        }

        if (settings.StreamPerSubscriber && settings.Scenario != BenchScenarios.Idle)
        {
            return "--stream-per-subscriber applies to the idle scenario";
        }

        if (settings.ServerPid is int pid && !File.Exists($"/proc/{pid}/status"))
        {
            return $"--server-pid {pid}: no such process on this machine";
        }

        if (FileDescriptorLimit.Read() is (long soft, long hard) && soft < settings.FileDescriptorsNeeded)
        {
            return $"{settings.FileDescriptorsNeeded} connections need more open files than the soft limit allows ({soft}; hard limit {hard}): run `ulimit -n {Math.Min(hard, 65536)}` in this shell first";
        }

        return null;
    }
}
