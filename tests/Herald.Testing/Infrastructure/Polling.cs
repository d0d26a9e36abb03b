namespace Herald.Testing.Infrastructure;

/// <summary>
/// Waiting for a state that cannot signal us (another process, a browser page, a subscriber count read over HTTP):
/// poll it until it holds, and fail with what was awaited if it never does.
/// </summary>
internal static class Polling
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeout"/> (default <see cref="TestTimeouts.Bulk"/>).</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeout"/> (default <see cref="TestTimeouts.Bulk"/>).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TestTimeouts.Bulk;
        // A deadline rather than a cancelled delay: a condition that itself hangs (an HTTP call to a stuck process) is
        // bounded by its own timeout, and the failure names what was awaited instead of surfacing as a cancellation.
        DateTime deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {limit} waiting for {what}.");
            await Task.Delay(Interval);
        }
    }
}
