using System.Globalization;
using StackExchange.Redis;

namespace Herald;

/// <summary>
/// Reads Herald's Redis URI: <c>redis://[[user]:password@]host[:port][,host[:port]…][/db]</c>, or <c>rediss://</c> for TLS.
/// Several comma-separated endpoints name the nodes of one deployment (a primary and its replicas, or Redis Cluster
/// nodes); the client finds the primary. The port defaults to 6379; the database to 0 (Redis Cluster has only 0).
/// The user name and password are percent-decoded, so a password with <c>@</c>, <c>:</c> or <c>/</c> is written as <c>%40</c>, <c>%3A</c>, <c>%2F</c>.
/// </summary>
public static class RedisUri
{
    /// <summary>Whether <paramref name="uri"/> names a Redis store at all (its scheme is <c>redis</c> or <c>rediss</c>).</summary>
    public static bool IsRedis(string uri) =>
        uri is not null && (uri.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses <paramref name="uri"/>; on failure <paramref name="error"/> says what is wrong, without the password.</summary>
    public static bool TryParse(string uri, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ConfigurationOptions? options, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        options = null;
        error = null;
        if (!IsRedis(uri))
        {
            error = "a Redis store URI starts with redis:// or rediss://";
            return false;
        }

        bool tls = uri.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);
        string rest = uri[(tls ? "rediss://".Length : "redis://".Length)..];
        string? user = null;
        string? password = null;
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            string credentials = rest[..at];
            rest = rest[(at + 1)..];
            int colon = credentials.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // redis://secret@host is how several clients spell a password alone.
                password = Uri.UnescapeDataString(credentials);
            }
            else
            {
                user = colon == 0 ? null : Uri.UnescapeDataString(credentials[..colon]);
                password = Uri.UnescapeDataString(credentials[(colon + 1)..]);
            }
        }

        int database = 0;
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string db = rest[(slash + 1)..];
            rest = rest[..slash];
            if (db.Length > 0 && (!int.TryParse(db, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15_999))
            {
                error = $"the database in a Redis URI is a number, not '{db}'";
                return false;
            }
        }

        if (rest.Length == 0)
        {
            error = "a Redis URI needs at least one host, e.g. redis://127.0.0.1:6379";
            return false;
        }

        var config = new ConfigurationOptions { Ssl = tls, User = user, Password = password, DefaultDatabase = database };
        foreach (string endpoint in rest.Split(','))
        {
            string hostPort = endpoint.Trim();
            string host = hostPort;
            int port = 6379;
            int colon = hostPort.LastIndexOf(':');
            if (colon >= 0 && !hostPort.EndsWith(']'))
            {
                host = hostPort[..colon];
                if (!int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                {
                    error = $"'{hostPort}' in the Redis URI has no valid port";
                    return false;
                }
            }

            host = host.Trim('[', ']');
            if (host.Length == 0)
            {
                error = $"'{hostPort}' in the Redis URI has no host";
                return false;
            }

            if (tls)
            {
                config.SslHost ??= host;
            }

            config.EndPoints.Add(host, port);
        }

        options = config;
        return true;
    }

    /// <summary>Parses <paramref name="uri"/> or throws <see cref="FormatException"/>.</summary>
    public static ConfigurationOptions Parse(string uri) =>
        TryParse(uri, out ConfigurationOptions? options, out string? error) ? options : throw new FormatException(error);
}
