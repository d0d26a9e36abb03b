using System.CommandLine;
using System.Globalization;
using Herald.Client;

namespace Herald.Cli;

/// <summary>
/// <c>herald tail</c>: prints a stream's events as <c>id event data</c> lines, reconnecting and resuming by itself
/// (Herald.Client); gap and reset notices go to the error stream so the output stays pure events.
/// </summary>
internal static class TailCommand
{
    public static Command Create()
    {
        Argument<string> stream = new("stream") { Description = "The stream's name." };
        Option<long?> from = new("--from") { Description = "Print the retained events after this ID first (0: all of them); without it, only new events.", HelpName = "id" };
        Option<long?> count = new("--count") { Description = "Exit after printing this many events.", HelpName = "n" };
        Option<Uri> server = CommonOptions.Server();
        Command command = new("tail", "Print a stream's events as 'id event data' lines, resuming by itself after disconnects.") { stream, from, count, server };
        command.Validators.Add(result =>
        {
            if (result.GetValue(from) is < 0)
            {
                result.AddError("--from must be 0 or more.");
            }

            if (result.GetValue(count) is < 1)
            {
                result.AddError("--count must be 1 or more.");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            long remaining = result.GetValue(count) ?? long.MaxValue;
            HeraldClient client = new(new HeraldClientOptions { BaseUrls = [result.GetValue(server)!] });
            await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable disposeClient = client.ConfigureAwait(false);
            return await CliErrors.GuardAsync(error, async () =>
            {
                await foreach (HeraldItem item in client.SubscribeAsync(result.GetValue(stream)!, result.GetValue(from), cancellationToken).ConfigureAwait(false))
                {
                    switch (item)
                    {
                        case HeraldEvent e:
                            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{e.Id} {e.EventType} {e.Data}")).ConfigureAwait(false);
                            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                            if (--remaining == 0)
                            {
                                return CliExitCodes.Success;
                            }

                            break;
                        case HeraldGap gap:
                            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"herald: gap: events {gap.LastEventId + 1}..{gap.First - 1} are no longer retained; continuing at {gap.First}")).ConfigureAwait(false);
                            break;
                        case HeraldReset reset:
                            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"herald: reset: the store was replaced (epoch {reset.Epoch}, last {reset.Last}, we had {reset.LastEventId}); printing it from the start")).ConfigureAwait(false);
                            break;
                    }
                }

                return CliExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }
}
