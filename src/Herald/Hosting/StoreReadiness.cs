namespace Herald.Hosting;

/// <summary>docs/protocol.md "Operations": the store is ready when it answers within a short time. Shared by <c>/readyz</c> and <c>herald_store_ready</c>.</summary>
internal static class StoreReadiness
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);

    public static async Task<bool> CheckAsync(IEventLog log, CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        try
        {
            return await log.IsReadyAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or EventLogUnavailableException)
        {
            return false;
        }
    }
}
