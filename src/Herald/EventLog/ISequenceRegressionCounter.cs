namespace Herald;

/// <summary>
/// A store that can find its sequences behind IDs it had handed out (a shared store whose backend lost acknowledged
/// writes) counts each time it pushed a stream past them; Herald exposes the count as
/// <c>herald_sequence_regressions_total</c>.
/// </summary>
public interface ISequenceRegressionCounter
{
    /// <summary>Streams found, since the store opened, with a counter below an ID this node had seen on them.</summary>
    long SequenceRegressions { get; }
}
