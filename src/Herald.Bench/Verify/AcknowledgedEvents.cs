namespace Herald.Bench.Verify;

/// <summary>One acknowledged publish: IDs <see cref="First"/>..<see cref="Last"/> carry the keys <see cref="FirstKey"/>, FirstKey + 1, ….</summary>
internal readonly record struct AcknowledgedRange(long First, long Last, long FirstKey)
{
    public long Count => Last - First + 1;

    public bool Contains(long id) => id >= First && id <= Last;

    public long KeyAt(long id) => FirstKey + (id - First);
}

/// <summary>What the server acknowledged (a 201, or a 200 replay of the same Idempotency-Key), from every publisher.</summary>
internal sealed class AcknowledgedEvents
{
    private readonly Lock _lock = new();
    private readonly List<AcknowledgedRange> _ranges = [];
    private long _count;
    private long _highest;

    public long Count => Volatile.Read(ref _count);

    public long HighestId => Volatile.Read(ref _highest);

    public void Add(long first, long last, long firstKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(first, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        lock (_lock)
        {
            _ranges.Add(new AcknowledgedRange(first, last, firstKey));
            Volatile.Write(ref _count, _count + (last - first + 1));
            if (last > _highest)
            {
                Volatile.Write(ref _highest, last);
            }
        }
    }

    /// <summary>Every range, sorted by first ID.</summary>
    public IReadOnlyList<AcknowledgedRange> Snapshot()
    {
        lock (_lock)
        {
            return [.. _ranges.OrderBy(r => r.First)];
        }
    }
}
