using System.Runtime.InteropServices;

namespace Herald.Server;

/// <summary>
/// The process's limit on open file descriptors (<c>RLIMIT_NOFILE</c>), which every connection counts against. The .NET
/// runtime does not survive running out of them (it aborts: "Out of memory." or "Internal CLR error" from a thread that
/// could not get one), so the server raises the soft limit to the hard one at start and keeps its connection caps under
/// what is left (<see cref="ConnectionBudget"/>).
/// </summary>
internal static partial class OpenFileLimit
{
    private const int LinuxNoFile = 7;
    private const int MacNoFile = 8;
    private const ulong Infinity = ulong.MaxValue;

    // Linux refuses a soft limit above fs.nr_open, which is what an "unlimited" hard limit means in practice.
    private const ulong UnlimitedAs = 1_048_576;

    /// <summary>
    /// Raises the soft limit to the hard limit where the platform has them (Linux, macOS) and returns both as they are
    /// afterwards; null elsewhere or when they cannot be read.
    /// </summary>
    public static (long Soft, long Hard)? RaiseSoftToHard()
    {
        int resource = OperatingSystem.IsLinux() ? LinuxNoFile : OperatingSystem.IsMacOS() ? MacNoFile : -1;
        if (resource < 0 || GetLimit(resource, out Limit limit) != 0)
        {
            return null;
        }

        ulong target = limit.Hard == Infinity ? UnlimitedAs : limit.Hard;
        if (limit.Soft < target)
        {
            Limit raised = new() { Soft = target, Hard = limit.Hard };
            // macOS caps the soft limit below an unlimited hard one; keeping the old limit then is fine, it is only read.
            if (SetLimit(resource, in raised) == 0)
            {
                limit = raised;
            }
        }

        return (Clamp(limit.Soft), Clamp(limit.Hard));
    }

    /// <summary>Descriptors the process holds now (<c>/proc/self/fd</c>, <c>/dev/fd</c>); null where neither lists them.</summary>
    public static int? OpenNow()
    {
        foreach (string directory in (string[])["/proc/self/fd", "/dev/fd"])
        {
            if (Directory.Exists(directory))
            {
                try
                {
                    return Directory.EnumerateFileSystemEntries(directory).Count();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private static long Clamp(ulong value) => value >= long.MaxValue ? long.MaxValue : (long)value;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetLimit(int resource, out Limit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetLimit(int resource, in Limit limit);

    // struct rlimit: two rlim_t, 64-bit on the 64-bit Linux and macOS targets .NET supports.
    [StructLayout(LayoutKind.Sequential)]
    private struct Limit
    {
        public ulong Soft;
        public ulong Hard;
    }
}
