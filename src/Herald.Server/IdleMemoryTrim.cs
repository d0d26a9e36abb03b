using Herald.Http.Limits;
using Microsoft.Extensions.Hosting;

namespace Herald.Server;

/// <summary>
/// Gives the memory of connections that have left back to the operating system. When thousands of subscribers leave
/// (a deploy of the front end, the end of the day for a stream per user), Herald frees their state at once, but the
/// server GC keeps the heap it grew committed until a collection decides to shrink it, and with nobody left to
/// allocate none comes: measured, an idle node kept ~20 KiB of RSS per departed subscriber (docs/benchmarks.md). So
/// once a wave of departures has happened, one aggressive, compacting collection returns it.
/// </summary>
/// <remarks>
/// A compacting gen 2 collection pauses the process (tens of milliseconds per hundred MB of live heap on two cores), so
/// it runs only after a large drop: at least <see cref="MinimumDeparted"/> subscriptions gone and at most half of the
/// peak still open, checked every <see cref="Interval"/>. A node whose subscriber count only drifts never pays it.
/// This is the standalone server's policy; an application that embeds Herald keeps its own GC policy.
/// </remarks>
internal sealed partial class IdleMemoryTrim(ConnectionLimits connections, TimeProvider clock, ILogger<IdleMemoryTrim> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>About 20 MB of connection state at ~20 KiB each: less is not worth a pause.</summary>
    public const int MinimumDeparted = 1_000;

    /// <summary>Whether a drop from <paramref name="peak"/> to <paramref name="open"/> subscriptions is a wave worth a collection.</summary>
    public static bool ShouldTrim(int peak, int open) => peak - open >= MinimumDeparted && open <= peak / 2;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int peak = connections.Open;
        using PeriodicTimer timer = new(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                int open = connections.Open;
                peak = Math.Max(peak, open);
                if (!ShouldTrim(peak, open))
                {
                    continue;
                }

                long before = Environment.WorkingSet;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                Log.Trimmed(logger, peak, open, before >> 20, Environment.WorkingSet >> 20);
                peak = open;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Subscriptions fell from {Peak} to {Open}: collected and returned memory to the system, working set {BeforeMiB} MiB -> {AfterMiB} MiB")]
        public static partial void Trimmed(ILogger logger, int peak, int open, long beforeMiB, long afterMiB);
    }
}
