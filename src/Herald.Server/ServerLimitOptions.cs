using System.CommandLine;

namespace Herald.Server;

/// <summary>
/// The server's own checks of its limit options, each message naming its option: counts the library does not own, and
/// request sizes Kestrel needs in a range. Herald's options are checked by the library (<see cref="HeraldOptions.Validate"/>).
/// </summary>
internal static class ServerLimitOptions
{
    // Kestrel needs room for a request line and a few headers; below this, no request could be served at all.
    private const int MinRequestLimitBytes = 1024;

    // Kestrel refuses to start when a header or request-line cap exceeds its request buffer (1 MiB by default).
    private const int MaxKestrelLimitBytes = 1024 * 1024;

    /// <summary>The first problem, as one line naming the option; null when every value is fine.</summary>
    public static string? Check(ParseResult result, Option<int>[] counts, Option<int>[] sizes, Option<int>[] kestrelSizes)
    {
        foreach (Option<int> count in counts)
        {
            if (result.GetValue(count) < 0)
            {
                return $"{count.Name} must be 0 or more";
            }
        }

        foreach (Option<int> size in sizes)
        {
            if (result.GetValue(size) < MinRequestLimitBytes)
            {
                return $"{size.Name} must be at least {MinRequestLimitBytes} bytes";
            }
        }

        foreach (Option<int> size in kestrelSizes)
        {
            if (result.GetValue(size) > MaxKestrelLimitBytes)
            {
                return $"{size.Name} must be at most {MaxKestrelLimitBytes} bytes";
            }
        }

        return null;
    }
}
