using System.CommandLine;
using System.Globalization;
using Herald.Client;

namespace Herald.Cli;

/// <summary>
/// <c>herald tail</c>: prints events as <c>id event data</c> lines (one stream) or <c>stream id event data</c> lines (several
/// streams, one connection), reconnecting and resuming by itself (Herald.Client); gap and reset notices, and the cursor to
/// resume from, go to the error stream so the output stays pure events.
/// </summary>
internal static class TailCommand
{
    public static Command Create()
    {
        Argument<string[]> streams = new("stream") { Description = "The streams' names; several share one connection.", Arity = ArgumentArity.OneOrMore };
        Option<string?> from = new("--from")
        {
            Description = "Print retained events first: after this ID in every stream (0: all of them), or after each stream's position in a cursor such as orders:42,prices:17 (a stream missing from it starts live). Without it, only new events.",
            HelpName = "id|cursor",
        };
        Option<string[]> types = new("--type") { Description = "Print only events of this type (repeatable; 'message' matches untyped events). Others still move the position.", HelpName = "type", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        Option<long?> count = new("--count") { Description = "Exit after printing this many events.", HelpName = "n" };
        Option<Uri> server = CommonOptions.Server();
        Command command = new("tail", "Print events as 'id event data' lines ('stream id event data' for several streams), resuming by itself after disconnects.") { streams, from, types, count, server };
        command.Validators.Add(result =>
        {
            if (result.GetValue(from) is { } position && !TryReadFrom(position, out _, out _))
            {
                result.AddError("--from must be an ID (0 or more) or a cursor such as orders:42,prices:17.");
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
            string[] names = result.GetValue(streams)!;
            string[]? eventTypes = result.GetValue(types) is { Length: > 0 } t ? t : null;
            TryReadFrom(result.GetValue(from), out long? id, out StreamCursor? cursor);
            HeraldClient client = new(new HeraldClientOptions { BaseUrls = [result.GetValue(server)!] });
            await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable disposeClient = client.ConfigureAwait(false);
            Tail tail = new(output, error, result.GetValue(count) ?? long.MaxValue, several: names.Length > 1);
            IAsyncEnumerable<HeraldItem> items;
            if (names.Length == 1)
            {
                long? position = cursor is null ? id : cursor.TryGetPosition(names[0], out long p) ? p : null;
                items = client.SubscribeAsync(names[0], position, eventTypes, cancellationToken);
            }
            else
            {
                cursor ??= id is long all ? names.Aggregate(StreamCursor.Empty, (c, name) => c.With(name, all)) : null;
                items = client.SubscribeAsync(names, cursor, eventTypes, cancellationToken);
            }

            try
            {
                return await CliErrors.GuardAsync(error, () => tail.RunAsync(items, cancellationToken)).ConfigureAwait(false);
            }
            finally
            {
                await tail.ReportCursorAsync().ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>An ID applies to every stream; anything else must be a cursor. Null: live.</summary>
    private static bool TryReadFrom(string? text, out long? id, out StreamCursor? cursor)
    {
        id = null;
        cursor = null;
        if (text is null)
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            id = value;
            return true;
        }

        return StreamCursor.TryParse(text, out cursor);
    }

    private sealed class Tail(TextWriter output, TextWriter error, long count, bool several)
    {
        private long _remaining = count;
        private StreamCursor? _cursor;

        public async Task<int> RunAsync(IAsyncEnumerable<HeraldItem> items, CancellationToken cancellationToken)
        {
            await foreach (HeraldItem item in items.ConfigureAwait(false))
            {
                switch (item)
                {
                    case HeraldEvent e:
                        _cursor = e.Cursor;
                        string line = several
                            ? string.Create(CultureInfo.InvariantCulture, $"{e.Stream} {e.Id} {e.EventType} {e.Data}")
                            : string.Create(CultureInfo.InvariantCulture, $"{e.Id} {e.EventType} {e.Data}");
                        await output.WriteLineAsync(line).ConfigureAwait(false);
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        if (--_remaining == 0)
                        {
                            return CliExitCodes.Success;
                        }

                        break;
                    case HeraldGap gap:
                        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"herald: gap{Of(gap.Stream)}: events {gap.LastEventId + 1}..{gap.First - 1} are no longer retained; continuing at {gap.First}")).ConfigureAwait(false);
                        break;
                    case HeraldReset reset:
                        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"herald: reset{Of(reset.Stream)}: the store was replaced (epoch {reset.Epoch}, last {reset.Last}, we had {reset.LastEventId}); printing it from the start")).ConfigureAwait(false);
                        break;
                }
            }

            return CliExitCodes.Success;
        }

        /// <summary>With several streams, where to pick up next time: the cursor after the last event printed.</summary>
        public async Task ReportCursorAsync()
        {
            if (several && _cursor is not null)
            {
                await error.WriteLineAsync($"herald: to resume: --from {_cursor}").ConfigureAwait(false);
            }
        }

        private string Of(string stream) => several ? " in " + stream : string.Empty;
    }
}
