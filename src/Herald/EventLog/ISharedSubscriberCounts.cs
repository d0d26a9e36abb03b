namespace Herald;

/// <summary>
/// A store shared by several nodes that adds up every node's subscriptions, so that <c>info</c> and <c>GET /streams</c>
/// count subscribers on all nodes (docs/protocol.md "Read"). The hub tells it each local change; the store shares the counts in
/// the background, so a subscribe costs no round trip to the store.
/// </summary>
public interface ISharedSubscriberCounts
{
    /// <summary>This node now has <paramref name="count"/> open subscriptions to <paramref name="stream"/>. Called on every subscribe and unsubscribe: no I/O, no blocking.</summary>
    void LocalSubscribersChanged(string stream, int count);

    /// <summary>Open subscriptions to each of <paramref name="streams"/> on every node: this node's now, the others' a few seconds stale at most.</summary>
    Task<IReadOnlyList<long>> CountSubscribersAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken);
}
