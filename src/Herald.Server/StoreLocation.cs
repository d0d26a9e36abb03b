namespace Herald.Server;

/// <summary>The <c>--store</c> URI: <c>sqlite:&lt;path&gt;</c>, <c>redis://…</c> / <c>rediss://…</c> (kept whole in <see cref="Path"/>) or <c>memory:</c>.</summary>
internal sealed record StoreLocation(StoreKind Kind, string? Path)
{
    public static StoreLocation Parse(string uri)
    {
        if (TryParse(uri, out StoreLocation? location, out string? error))
        {
            return location;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string uri, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StoreLocation? location, out string? error)
    {
        location = null;
        error = null;
        if (string.Equals(uri, "memory:", StringComparison.OrdinalIgnoreCase))
        {
            location = new StoreLocation(StoreKind.Memory, null);
            return true;
        }

        if (uri.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            string path = uri["sqlite:".Length..];
            if (path.Length == 0)
            {
                error = "--store sqlite: needs a file path, e.g. sqlite:./data/herald.db";
                return false;
            }

            location = new StoreLocation(StoreKind.Sqlite, path);
            return true;
        }

        if (uri.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            if (!RedisUri.TryParse(uri, out _, out string? redisError))
            {
                error = $"--store: {redisError}";
                return false;
            }

            location = new StoreLocation(StoreKind.Redis, uri);
            return true;
        }

        error = $"--store must be sqlite:<path>, redis://host:port or memory:, not '{uri}'";
        return false;
    }

    public override string ToString() => Kind switch
    {
        StoreKind.Memory => "memory:",
        StoreKind.Sqlite => "sqlite:" + Path,
        _ => HidePassword(Path!),
    };

    // The store URI is logged at start; its password must not be.
    private static string HidePassword(string uri)
    {
        int scheme = uri.IndexOf("://", StringComparison.Ordinal) + 3;
        int at = uri.LastIndexOf('@');
        return at > scheme ? uri[..scheme] + "***@" + uri[(at + 1)..] : uri;
    }
}

internal enum StoreKind
{
    Memory,
    Sqlite,
    Redis,
}
