using System.Runtime.InteropServices;

namespace Herald.Server;

/// <summary>
/// The process's limit on open file descriptors (<c>RLIMIT_NOFILE</c>), which every connection counts against. The .NET
/// runtime does not survive running out of them (it aborts, "Out of memory." or "Internal CLR error", or can no longer load
/// an assembly), so the server keeps its connection caps under what is left (<see cref="ConnectionBudget"/>). The runtime
/// itself raises the soft limit to the hard one as it starts (glibc Linux; macOS up to <c>OPEN_MAX</c>): this reads
/// the limit as the process has it then.
/// </summary>
internal static partial class OpenFileLimit
{
    private const int LinuxNoFile = 7;
    private const int MacNoFile = 8;

    /// <summary>The soft limit, where the platform has one and its <c>struct rlimit</c> is two 64-bit values; null elsewhere.</summary>
    public static long? Soft()
    {
        int resource = OperatingSystem.IsLinux() ? LinuxNoFile : OperatingSystem.IsMacOS() ? MacNoFile : -1;
        if (resource < 0 || !Environment.Is64BitProcess || GetLimit(resource, out Limit limit) != 0)
        {
            return null;
        }

        // "Unlimited" is the largest value (Linux) or 2^63 - 1 (macOS): either way, more than any cap.
        return limit.Soft >= long.MaxValue ? long.MaxValue : (long)limit.Soft;
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

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetLimit(int resource, out Limit limit);

    // struct rlimit on 64-bit Linux and macOS: two 64-bit rlim_t.
    [StructLayout(LayoutKind.Sequential)]
    private struct Limit
    {
        public ulong Soft;
        public ulong Hard;
    }
}
