using System.Globalization;

namespace Herald.Redis.Tests.Topology;

/// <summary>
/// One line of <c>CLIENT LIST</c>: who is connected to a redis-server and what they last ran. Tests use it to see a
/// Herald node's connections from the server's side (by the client name it sets, the address it comes from, or the
/// command it is blocked in) rather than trusting the client library's own view.
/// </summary>
/// <param name="Id">The connection's id (<c>CLIENT KILL ID</c> takes it).</param>
/// <param name="Name">The name set with <c>CLIENT SETNAME</c> (StackExchange.Redis sets its ClientName); empty when none.</param>
/// <param name="Address">The client's <c>ip:port</c> (<c>addr</c>).</param>
/// <param name="Command">The last command run, lower case, a subcommand after <c>|</c> (<c>cmd</c>, e.g. <c>client|list</c>, <c>xread</c>).</param>
/// <param name="Flags">The flags (<c>flags</c>): <c>N</c> for a plain client, <c>S</c> for a replica, <c>M</c> for a primary, <c>P</c> for pub/sub, <c>b</c> for blocked.</param>
/// <param name="Fields">Every <c>key=value</c> pair of the line, including the ones above.</param>
public sealed record ClientInfo(long Id, string Name, string Address, string Command, string Flags, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>Parses the whole <c>CLIENT LIST</c> reply, one client per line.</summary>
    public static IReadOnlyList<ClientInfo> ParseList(string reply) =>
        [.. reply.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];

    /// <summary>
    /// Parses one line: space-separated <c>key=value</c> pairs. Splitting on spaces is safe because Redis refuses
    /// spaces in client names, and no other field can hold one.
    /// </summary>
    public static ClientInfo Parse(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                fields[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return new ClientInfo(
            long.Parse(fields.GetValueOrDefault("id", "0"), NumberStyles.None, CultureInfo.InvariantCulture),
            fields.GetValueOrDefault("name", ""),
            fields.GetValueOrDefault("addr", ""),
            fields.GetValueOrDefault("cmd", ""),
            fields.GetValueOrDefault("flags", ""),
            fields);
    }
}
