using System.Diagnostics;

namespace Herald.Redis.Tests.Topology;

/// <summary>
/// Polls a condition on local processes (a replica catching up, a cluster agreeing) until it holds or a deadline
/// passes. Replication and gossip have no event a test could await, so polling is the only way to see them; the
/// deadline turns a broken topology into a failure that names what never happened instead of a hung run.
/// </summary>
internal static class BoundedWait
{
    // Local processes converge in milliseconds to a few seconds; 50 ms keeps the tests quick without spinning.
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it returns true; throws <see cref="TimeoutException"/> with <paramref name="describe"/>() after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (elapsed.Elapsed >= timeout)
            {
                throw new TimeoutException($"{describe()} (waited {timeout.TotalSeconds:0} s)");
            }

            await Task.Delay(s_interval);
        }
    }
}
