namespace Herald.Server;

/// <summary>
/// Fits the connection caps under the open-file limit: TCP connections (<c>--max-http-connections</c>) at most what the
/// limit leaves after the descriptors already open and a margin (<see cref="Margin"/>), and subscriptions
/// (<c>--max-connections</c>) a tenth (at most 1,000) below that, for publishers and reads. Past these caps a client gets
/// an answer (<c>503</c> + <c>Retry-After</c>, or Kestrel's closed connection) instead of the process running out of
/// descriptors, which the runtime does not survive.
/// </summary>
internal static class ConnectionBudget
{
    /// <summary>Descriptors assumed open when they cannot be counted (a server just started holds about this many).</summary>
    public const int AssumedOpen = 100;

    /// <summary>The caps <paramref name="settings"/> have within <paramref name="softLimit"/>, and why they changed (null: unchanged).</summary>
    public static (ServerSettings Settings, string? Reason) Fit(ServerSettings settings, long softLimit, int openNow)
    {
        long room = Math.Clamp(softLimit - openNow - Margin(Environment.ProcessorCount), 16, int.MaxValue);
        int http = settings.MaxHttpConnections;
        if (http > 0 && http <= room)
        {
            return (settings, null); // every connection Kestrel takes fits, whatever the subscription cap
        }

        int fittedHttp = (int)room;
        int forSubscriptions = Math.Max(1, fittedHttp - Math.Min(1000, fittedHttp / 10));
        int subscriptions = settings.Herald.MaxConnections;
        int fittedSubscriptions = subscriptions <= 0 || subscriptions > forSubscriptions ? forSubscriptions : subscriptions;
        HeraldOptions herald = new();
        herald.CopyFrom(settings.Herald);
        herald.MaxConnections = fittedSubscriptions;
        string reason = $"the open-file limit is {softLimit} descriptors and {openNow} are open: this node accepts at most {fittedHttp} connections "
            + $"(--max-http-connections {Cap(http)}) and {fittedSubscriptions} subscriptions (--max-connections {Cap(subscriptions)}); "
            + "raise the limit (ulimit -Hn, systemd LimitNOFILE=) to accept more";
        return (settings with { Herald = herald, MaxHttpConnections = fittedHttp }, reason);
    }

    /// <summary>
    /// Descriptors kept for what is not a connection once the server runs, beyond those open when the budget is made:
    /// assemblies still to load (two descriptors each; a running server holds ~200 in all), SQLite's read sessions (three
    /// files each, two sessions per processor) and writer, Redis's sockets, and a connection being refused.
    /// </summary>
    internal static int Margin(int processors) => 256 + (8 * processors);

    private static string Cap(int value) => value <= 0 ? "0, no cap" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
