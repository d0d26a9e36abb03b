namespace Herald.Benchmarks;

/// <summary>
/// The frame-encoding comparison again, for a machine too busy for wall-clock timing: the three methods of
/// <see cref="FrameEncodingBenchmarks"/> take turns, one invocation (1,000 events) each per round in a rotating order,
/// each timed in its thread's CPU time, so a burst of other load hits all of them alike and waiting for a core is not
/// counted. Prints the median per event, the median of the per-round ratios to SseFormatter, and the bytes allocated
/// per event (<see cref="GC.GetAllocatedBytesForCurrentThread"/>).
/// </summary>
internal static class InterleavedFrameEncoding
{
    private const int Rounds = 400;
    private const int EventsPerInvoke = 1000;

    public static void Run()
    {
        Console.WriteLine("| payload | method | median ns/event (thread CPU) | ratio to SseFormatter (median of rounds) | allocated B/event |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (int size in new[] { 20, 200, 4096 })
        {
            var bench = new FrameEncodingBenchmarks { PayloadBytes = size };
            bench.Setup();
            (string Name, Action Run)[] methods =
            [
                ("SseFormatter_WriteAsync", () => bench.SseFormatter_WriteAsync().GetAwaiter().GetResult()),
                ("Herald_WriteToBufferWriter", () => bench.Herald_WriteToBufferWriter()),
                ("Herald_EncodeOnceForHotTail", () => bench.Herald_EncodeOnceForHotTail()),
            ];
            for (int i = 0; i < 300; i++)
            {
                foreach ((string _, Action run) in methods)
                {
                    run(); // past tiered JIT's promotions
                }
            }

            double[][] nanos = [.. methods.Select(_ => new double[Rounds])];
            long[] allocated = new long[methods.Length];
            for (int round = 0; round < Rounds; round++)
            {
                for (int k = 0; k < methods.Length; k++)
                {
                    int m = (round + k) % methods.Length;
                    long bytes = GC.GetAllocatedBytesForCurrentThread();
                    long start = ThreadCpuClock.Nanoseconds();
                    methods[m].Run();
                    nanos[m][round] = (ThreadCpuClock.Nanoseconds() - start) / (double)EventsPerInvoke;
                    allocated[m] += GC.GetAllocatedBytesForCurrentThread() - bytes;
                }
            }

            for (int m = 0; m < methods.Length; m++)
            {
                double ratio = Median([.. Enumerable.Range(0, Rounds).Select(r => nanos[m][r] / nanos[0][r])]);
                Console.WriteLine(FormattableString.Invariant(
                    $"| {size} B | {methods[m].Name} | {Median(nanos[m]):F1} | {ratio:F2} | {allocated[m] / (double)Rounds / EventsPerInvoke:F1} |"));
            }
        }
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }
}
