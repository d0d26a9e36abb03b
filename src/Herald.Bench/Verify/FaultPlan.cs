namespace Herald.Bench.Verify;

/// <summary>
/// Which fault comes next: every kind once per round, in an order shuffled by the seeded random, so that a run with the
/// same <c>--seed</c> forces the same faults in the same order (against the same nodes) and no kind is starved.
/// </summary>
internal sealed class FaultPlan
{
    private readonly FaultKind[] _kinds;
    private readonly Random _random;
    private readonly Queue<FaultKind> _round = new();

    public FaultPlan(IReadOnlyList<FaultKind> kinds, Random random)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentOutOfRangeException.ThrowIfZero(kinds.Count);
        _kinds = [.. kinds];
        _random = random;
    }

    public FaultKind Next()
    {
        if (_round.Count == 0)
        {
            FaultKind[] round = [.. _kinds];
            _random.Shuffle(round);
            foreach (FaultKind kind in round)
            {
                _round.Enqueue(kind);
            }
        }

        return _round.Dequeue();
    }
}
