namespace Herald.Server;

/// <summary>The <c>--store</c> URI: <c>sqlite:&lt;path&gt;</c> or <c>memory:</c>.</summary>
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
            error = "--store redis:// is not available in this version yet; use sqlite:<path> or memory:";
            return false;
        }

        error = $"--store must be sqlite:<path> or memory:, not '{uri}'";
        return false;
    }

    public override string ToString() => Kind == StoreKind.Memory ? "memory:" : "sqlite:" + Path;
}

internal enum StoreKind
{
    Memory,
    Sqlite,
}
