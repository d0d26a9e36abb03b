using System.CommandLine;
using System.Text;
using Herald.Http.Security;

namespace Herald.Server;

/// <summary>Checks of the security and limit options (<c>--subscriber-key</c>, <c>--cors-origin</c>, caps, rates, sizes), each message naming its option.</summary>
internal static class ServerLimitOptions
{
    // Kestrel needs room for a request line and a few headers; below this, no request could be served at all.
    private const int MinRequestLimitBytes = 1024;

    // Kestrel refuses to start when a header or request-line cap exceeds its request buffer (1 MiB by default).
    private const int MaxKestrelLimitBytes = 1024 * 1024;

    /// <summary>The first problem, as one line naming the option; null when every value is fine.</summary>
    public static string? Check(ParseResult result, Option<string> subscriberKey, Option<string[]> corsOrigins, Option<int>[] counts, Option<int>[] sizes, Option<int>[] kestrelSizes)
    {
        if (result.GetResult(subscriberKey) is not null)
        {
            string key = result.GetValue(subscriberKey) ?? string.Empty;
            if (Encoding.UTF8.GetByteCount(key) < 32)
            {
                return "--subscriber-key must be at least 32 bytes (HS256 needs a 256-bit secret); generate one with: openssl rand -base64 32";
            }
        }

        foreach (string origin in result.GetValue(corsOrigins) ?? [])
        {
            if (!HeraldCors.IsValidOrigin(origin))
            {
                return $"--cors-origin must be an origin such as https://app.example.com (scheme, host and optional port, no path) or *, not '{origin}'";
            }
        }

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
