using System.CommandLine;
using Herald.Client;

namespace Herald.Cli;

/// <summary><c>herald publish</c>: appends one event (or, with <c>--ndjson</c>, one per input line) and prints the ID(s).</summary>
internal static class PublishCommand
{
    /// <param name="input">Where <c>-</c> reads from; standard input unless a test gives its own.</param>
    public static Command Create(TextReader? input = null)
    {
        Argument<string> stream = new("stream") { Description = "The stream's name." };
        Argument<string?> data = new("data") { Description = "The event's data; '-' or nothing reads it from standard input.", Arity = ArgumentArity.ZeroOrOne };
        Option<string?> eventType = new("--event") { Description = "The event's type (subscribers see 'message' without one).", HelpName = "type" };
        Option<string?> idempotencyKey = new("--id-key") { Description = "Idempotency key: repeating a publish with the same key appends nothing and prints the original ID.", HelpName = "key" };
        Option<bool> ndjson = new("--ndjson") { Description = "Read standard input as lines, one event's data each (blank lines skipped), and publish them as one all-or-nothing batch." };
        Option<Uri> server = CommonOptions.Server();
        Option<string?> key = CommonOptions.PublisherKey();
        Command command = new("publish", "Publish an event and print its ID.") { stream, data, eventType, idempotencyKey, ndjson, server, key };
        command.SetAction(async (result, cancellationToken) =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            string? text = result.GetValue(data);
            bool fromInput = text is null or "-";
            if (result.GetValue(ndjson) && !fromInput)
            {
                await error.WriteLineAsync("herald: --ndjson reads standard input; give '-' or no data (see --help)").ConfigureAwait(false);
                return CliExitCodes.BadUsage;
            }

            HeraldClient client = new(new HeraldClientOptions { BaseUrls = [result.GetValue(server)!], PublisherKey = CommonOptions.PublisherKeyOrEnvironment(result.GetValue(key)) });
            await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable disposeClient = client.ConfigureAwait(false);
            string name = result.GetValue(stream)!;
            string? type = result.GetValue(eventType);
            string? idKey = result.GetValue(idempotencyKey);
            TextReader reader = input ?? Console.In;
            return await CliErrors.GuardAsync(error, async () =>
            {
                if (result.GetValue(ndjson))
                {
                    List<(string, string?)> events = [];
                    while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is string line)
                    {
                        if (!string.IsNullOrWhiteSpace(line))
                        {
                            events.Add((line, type));
                        }
                    }

                    if (events.Count == 0)
                    {
                        await error.WriteLineAsync("herald: no lines to publish on standard input").ConfigureAwait(false);
                        return CliExitCodes.BadUsage;
                    }

                    (long first, long last) = await client.PublishBatchAsync(name, events, idKey, cancellationToken).ConfigureAwait(false);
                    for (long id = first; id <= last; id++)
                    {
                        await output.WriteLineAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    }

                    return CliExitCodes.Success;
                }

                string body = fromInput ? TrimFinalNewline(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)) : text!;
                long assigned = await client.PublishAsync(name, body, type, idKey, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(assigned.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
                return CliExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }

    // `echo '{"a":1}' | herald publish s -` should publish the JSON, not the JSON and an empty second data line.
    private static string TrimFinalNewline(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
}
