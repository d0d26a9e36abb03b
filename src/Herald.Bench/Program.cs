using Herald.Bench;
using Herald.Cli;

return await ToolCommandLine.RunOnConsoleAsync(BenchCommandLine.RunAsync, args).ConfigureAwait(false);
