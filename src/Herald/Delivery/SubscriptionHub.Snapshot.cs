namespace Herald.Delivery;

internal sealed partial class SubscriptionHub
{
    /// <summary>The streams that have subscribers now, for samplers that must not hold the hub's lock while they work.</summary>
    public StreamState[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _streams.Values];
        }
    }
}
