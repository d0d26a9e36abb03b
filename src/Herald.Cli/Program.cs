using Herald.Cli;

return await ToolCommandLine.RunOnConsoleAsync(HeraldCommandLine.RunAsync, args).ConfigureAwait(false);
