using BenchmarkDotNet.Running;
using Herald.Benchmarks;

// dotnet run -c Release --project bench/Herald.Benchmarks -- --filter '*' (docs/benchmarks.md "Micro-benchmarks").
// dotnet run -c Release --project bench/Herald.Benchmarks -- --interleaved: frame encoding by thread CPU time, for a busy machine.
if (args is ["--interleaved"])
{
    InterleavedFrameEncoding.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ShortRunConfig).Assembly).Run(args, ShortRunConfig.Create());
