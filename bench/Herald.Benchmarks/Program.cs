using BenchmarkDotNet.Running;
using Herald.Benchmarks;

// dotnet run -c Release --project bench/Herald.Benchmarks -- --filter '*' (docs/benchmarks.md "Micro-benchmarks").
BenchmarkSwitcher.FromAssembly(typeof(ShortRunConfig).Assembly).Run(args, ShortRunConfig.Create());
