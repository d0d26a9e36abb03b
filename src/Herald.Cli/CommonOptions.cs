using System.CommandLine;

namespace Herald.Cli;

/// <summary>
/// Options several commands share, with their environment-variable fallbacks; src/Herald.Bench compiles this file too,
/// so <c>--server</c> means the same in <c>herald</c> and <c>herald-bench</c>.
/// </summary>
internal static class CommonOptions
{
    /// <summary>Herald.Server's own default address (docs/protocol.md "Command line"), so the two work together out of the box.</summary>
    public const string DefaultServer = "http://127.0.0.1:5080";

    public static Option<Uri> Server() => new("--server")
    {
        Description = $"The server's base URL (default: $HERALD_SERVER, else {DefaultServer}).",
        HelpName = "url",
        DefaultValueFactory = _ => ParseUrl(Environment.GetEnvironmentVariable("HERALD_SERVER") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultServer),
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : DefaultServer;
            if (Uri.TryCreate(text, UriKind.Absolute, out Uri? url) && url.Scheme is "http" or "https")
            {
                return url;
            }

            result.AddError($"--server '{text}' is not an http:// or https:// URL.");
            return null;
        },
    };

    public static Option<string?> PublisherKey() => new("--key")
    {
        Description = "Publisher key, sent as Authorization: Bearer (default: $HERALD_PUBLISHER_KEY).",
        HelpName = "key",
        // No DefaultValueFactory: --help prints defaults, and a key must never be printed.
    };

    /// <summary>The key given on the command line, else the environment's.</summary>
    public static string? PublisherKeyOrEnvironment(string? given) =>
        given ?? (Environment.GetEnvironmentVariable("HERALD_PUBLISHER_KEY") is { Length: > 0 } key ? key : null);

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? url) ? url : new Uri(DefaultServer);
}
