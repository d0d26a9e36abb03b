using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Herald.Benchmarks;

/// <summary>
/// A few short iterations rather than BenchmarkDotNet's default dozens: the benchmark machine has 2 cores that other
/// builds share, so long runs buy drift, not precision. Many short iterations instead, whose median a burst of someone
/// else's build moves less than it moves a mean. Ratios against the baseline in the same run are what we read.
/// In process: on that machine the separate project BenchmarkDotNet would generate and build per job ran past its
/// 2-minute build timeout, and a ratio between methods of one process needs no isolation between them.
/// </summary>
internal static class ShortRunConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100))
            .WithId("ShortInProcess"))
        .AddDiagnoser(MemoryDiagnoser.Default);
}
