namespace Herald.Benchmarks;

/// <summary>
/// Yields a fixed array synchronously, again on every enumeration, without allocating: the source SseFormatter reads
/// from costs nothing of its own, so the benchmark measures the formatter.
/// </summary>
internal sealed class ReplayEnumerable<T>(T[] items) : IAsyncEnumerable<T>, IAsyncEnumerator<T>
{
    private int _index = -1;

    public T Current => items[_index];

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        _index = -1;
        return this;
    }

    public ValueTask<bool> MoveNextAsync() => ValueTask.FromResult(++_index < items.Length);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
