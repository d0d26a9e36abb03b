using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Herald.Load;

// herald-load: measures a running Herald server. Every run is bounded in count and time, and refuses non-loopback targets.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("""
        usage: herald-load <scenario> --url http://127.0.0.1:5080 [options]
          publish  --publishers 32 --seconds 10 [--size 200]             single-event POSTs, closed loop
          batch    --publishers 2 --seconds 10 --batch 1000 [--size 200]  NDJSON batches, closed loop
          replay   --events 100000 [--size 200]                           publish N events, then time one subscriber replaying them from 0
        Each scenario uses a fresh stream name. Prints a table line and a JSON line.
        """);
    return args.Length == 0 ? 2 : 0;
}

Options options = Options.Parse(args[1..]);
if (!options.Url.IsLoopback)
{
    Console.Error.WriteLine("herald-load: only loopback targets are allowed");
    return 2;
}

using HttpClient http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    BaseAddress = options.Url,
    Timeout = TimeSpan.FromSeconds(30),
    DefaultRequestVersion = HttpVersion.Version11,
};
string stream = $"load-{args[0]}-{DateTime.UtcNow:HHmmssfff}";
string payload = Payload.Json(options.Size);

switch (args[0])
{
    case "publish":
        return Report.Print(await PublishRuns.SingleAsync(stream, payload, options));
    case "batch":
        return Report.Print(await PublishRuns.BatchAsync(stream, payload, options));
    case "replay":
        return Report.Print(await ReplayRun.RunAsync(http, stream, payload, options));
    default:
        Console.Error.WriteLine($"herald-load: unknown scenario '{args[0]}' (see --help)");
        return 2;
}
