namespace Herald.Bench.Run;

/// <summary>Reads a local process's resident set size (VmRSS) from <c>/proc/&lt;pid&gt;/status</c>.</summary>
internal static class ServerMemory
{
    public static long? RssKiB(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS line.");
    }
}
