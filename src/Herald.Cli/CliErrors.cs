using System.Net.Sockets;
using Herald.Client;

namespace Herald.Cli;

/// <summary>Turns what can go wrong talking to a server into one line on the error stream and an exit code from <see cref="CliExitCodes"/>.</summary>
internal static class CliErrors
{
    public static async Task<int> GuardAsync(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (HeraldException e) when (e.StatusCode is >= 400 and < 500)
        {
            // The server refused the request (bad name, bad key, too large): retrying cannot help.
            await error.WriteLineAsync($"herald: the server refused: {e.StatusCode} {e.Title}{(e.Detail is null ? "" : ": " + e.Detail)}").ConfigureAwait(false);
            return CliExitCodes.Failed;
        }
        catch (Exception e) when (e is HeraldException or HttpRequestException or SocketException or IOException or TimeoutException)
        {
            await error.WriteLineAsync($"herald: the server is unavailable: {OneLine(e.Message)}").ConfigureAwait(false);
            return CliExitCodes.Unavailable;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: what was done is done.
            return CliExitCodes.Success;
        }
    }

    private static string OneLine(string message) => string.Join(' ', message.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
