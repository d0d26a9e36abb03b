using Herald.Cli;

using CancellationTokenSource stop = new();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops the command cleanly (summaries still print); a second one kills the process.
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        stop.Cancel();
    }
};

return await HeraldCommandLine.RunAsync(args, Console.Out, Console.Error, stop.Token).ConfigureAwait(false);
