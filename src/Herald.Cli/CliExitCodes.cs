namespace Herald.Cli;

/// <summary>
/// Exit codes scripts can rely on; every command of <c>herald</c> and <c>herald-bench</c> uses these and no others
/// (src/Herald.Bench compiles this file too).
/// </summary>
internal static class CliExitCodes
{
    /// <summary>Done, and (for herald-bench) every check held.</summary>
    public const int Success = 0;

    /// <summary>The command ran and found a violation (herald-bench), or the server refused the request (publish).</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: unknown option, invalid value.</summary>
    public const int BadUsage = 2;

    /// <summary>The server could not be reached or kept failing.</summary>
    public const int Unavailable = 3;
}
