namespace Herald.Server;

/// <summary>
/// Fits the connection caps under the open-file limit: TCP connections (<c>--max-http-connections</c>) at most what the
/// limit leaves after the descriptors already open and a margin (the store's files, Redis, the runtime's own growth), and
/// subscriptions (<c>--max-connections</c>) below that with room for publishers and reads. Past these caps a client gets
/// an answer (<c>503</c> + <c>Retry-After</c>, or Kestrel's refusal) instead of the process running out of descriptors,
/// which the runtime does not survive.
/// </summary>
internal static class ConnectionBudget
{
    /// <summary>The caps <paramref name="settings"/> would have within <paramref name="softLimit"/>, and why they changed (null: unchanged).</summary>
    public static (ServerSettings Settings, string? Reason) Fit(ServerSettings settings, long softLimit, int openNow)
    {
        int room = (int)Math.Clamp(softLimit - openNow - Margin(Environment.ProcessorCount), 16, int.MaxValue);
        int http = settings.MaxHttpConnections;
        int subscriptions = settings.Herald.MaxConnections;
        int fittedHttp = http is 0 || http > room ? room : http;
        // Subscriptions that would not fit, or have no cap, leave a tenth (at most 1,000) of the connections to publishers
        // and reads, as the defaults do; a cap that fits is the operator's choice and stays.
        int fittedSubscriptions = subscriptions is 0 || subscriptions > fittedHttp ? Math.Max(1, fittedHttp - Math.Min(1000, fittedHttp / 10)) : subscriptions;
        if (fittedHttp == http && fittedSubscriptions == subscriptions)
        {
            return (settings, null);
        }

        HeraldOptions herald = new();
        herald.CopyFrom(settings.Herald);
        herald.MaxConnections = fittedSubscriptions;
        string reason = $"the open-file limit is {softLimit} descriptors and {openNow} are open: this node accepts at most {fittedHttp} connections "
            + $"(--max-http-connections {Cap(http)}) and {fittedSubscriptions} subscriptions (--max-connections {Cap(subscriptions)}); "
            + "raise the limit (ulimit -n, systemd LimitNOFILE=) to accept more";
        return (settings with { Herald = herald, MaxHttpConnections = fittedHttp }, reason);
    }

    /// <summary>
    /// Descriptors kept for what is not a connection once the server runs, beyond those open when the budget is made:
    /// assemblies still to load (two descriptors each; a running server holds ~200 in all), SQLite's read sessions (three
    /// files each, two sessions per processor) and writer, Redis's sockets, and a connection being refused.
    /// </summary>
    internal static int Margin(int processors) => 256 + (8 * processors);

    private static string Cap(int value) => value is 0 ? "0, no cap" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
