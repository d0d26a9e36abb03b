using Herald;
using Herald.Server;
using Microsoft.Extensions.Options;

(ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(args, Console.Out, Console.Error);
if (settings is null)
{
    return exitCode;
}

// Every connection takes a descriptor, and the runtime does not survive running out of them: keep the connection caps
// under the open-file limit, so that a crowd gets 503s instead of a crashed node.
string? capsLowered = null;
if (OpenFileLimit.Soft() is long softLimit)
{
    (settings, capsLowered) = ConnectionBudget.Fit(settings, softLimit, OpenFileLimit.OpenNow() ?? ConnectionBudget.AssumedOpen);
}

try
{
    await using WebApplication app = HeraldServer.Build(settings);
    await app.StartAsync();
    string urls = string.Join(", ", app.Urls);
    string store = settings.Store.ToString();
    if (capsLowered is not null)
    {
        app.Logger.LogWarning("Connection caps lowered: {Reason}", capsLowered);
    }

    app.Logger.LogInformation("Herald is serving {Store} on {Urls}", store, urls);
    await app.WaitForShutdownAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"herald-server: {ex.Failures.FirstOrDefault() ?? ex.Message} (see --help)");
    return ServerCommandLine.BadUsage;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or EventLogUnavailableException)
{
    // A start that cannot happen (port taken, unreadable store file): one line, not a stack trace.
    Console.Error.WriteLine($"herald-server: cannot start: {ex.Message}");
    return 1;
}
