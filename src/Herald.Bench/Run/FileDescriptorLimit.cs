using System.Globalization;

namespace Herald.Bench.Run;

/// <summary>
/// The soft limit on open files (<c>ulimit -n</c>) of this process, from <c>/proc/self/limits</c>. Every socket is a
/// descriptor, so a run with more connections than the limit would fail half-way with an obscure error; it is checked first.
/// </summary>
internal static class FileDescriptorLimit
{
    public static (long Soft, long Hard)? Read()
    {
        const string Name = "Max open files";
        if (!File.Exists("/proc/self/limits"))
        {
            return null;
        }

        foreach (string line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith(Name, StringComparison.Ordinal))
            {
                string[] parts = line[Name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return (Parse(parts[0]), Parse(parts[1]));
            }
        }

        return null;
    }

    private static long Parse(string value) => value == "unlimited" ? long.MaxValue : long.Parse(value, CultureInfo.InvariantCulture);
}
