using System.Globalization;

namespace Herald.Bench.Run;

/// <summary>
/// CPU seconds (user + system) a local process has used, from <c>/proc/&lt;pid&gt;/stat</c>. Reported for the server and
/// for the bench itself, so a run shows whether the generator or the server used the machine's cores.
/// </summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux that .NET supports

    public static double? Seconds(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
        {
            return null;
        }

        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may contain spaces; fields 14 and 15 are utime and stime.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
