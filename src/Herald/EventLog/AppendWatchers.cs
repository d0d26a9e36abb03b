using System.Collections.Concurrent;

namespace Herald;

/// <summary>
/// The observers of each watched stream, for a store to implement <see cref="IEventLog.Watch"/> with: the store adds
/// them in <see cref="Watch"/> and calls <see cref="Report"/> after each commit. Public so that a store written outside
/// Herald reports appends the same way as the first-party ones. A stream's entry is dropped when its last observer
/// leaves, so a node that has seen a million stream names keeps only the watched ones.
/// </summary>
public sealed class AppendWatchers
{
    private readonly ConcurrentDictionary<string, IAppendObserver[]> _streams = new(StringComparer.Ordinal);
    private readonly Action<string, Exception>? _observerFailed;

    /// <summary>Creates an empty set; <paramref name="observerFailed"/> hears of an observer that threw (the store logs it).</summary>
    public AppendWatchers(Action<string, Exception>? observerFailed = null) => _observerFailed = observerFailed;

    /// <summary>How many streams have at least one observer.</summary>
    public int WatchedStreams => _streams.Count;

    /// <summary>Whether anyone watches <paramref name="stream"/>: a store skips building notifications for streams nobody watches.</summary>
    public bool IsWatched(string stream) => _streams.ContainsKey(stream);

    /// <summary>Adds <paramref name="observer"/> to <paramref name="stream"/> until the returned handle is disposed.</summary>
    public IDisposable Watch(string stream, IAppendObserver observer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(observer);

        // Copy-on-write arrays: Report, on the commit path, reads without a lock; watch and unwatch are rare.
        _streams.AddOrUpdate(stream, static (_, o) => [o], static (_, existing, o) => [.. existing, o], observer);
        return new Handle(this, stream, observer);
    }

    /// <summary>Reports a commit to the stream's observers, if any. Call it in ID order per stream, once per event.</summary>
    public void Report(string stream, IReadOnlyList<StoredEvent> events, long committedTimestamp)
    {
        if (!_streams.TryGetValue(stream, out IAppendObserver[]? observers))
        {
            return;
        }

        var appended = new EventsAppendedEventArgs(stream, events, committedTimestamp);
        foreach (IAppendObserver observer in observers)
        {
            try
            {
                observer.OnAppended(appended);
            }
#pragma warning disable CA1031 // An observer that throws must not stop the store's commit path or the other observers.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _observerFailed?.Invoke(stream, ex);
            }
        }
    }

    private void Remove(string stream, IAppendObserver observer)
    {
        while (_streams.TryGetValue(stream, out IAppendObserver[]? existing))
        {
            IAppendObserver[] rest = [.. existing.Where(o => !ReferenceEquals(o, observer))];
            bool done = rest.Length == 0
                ? _streams.TryRemove(new KeyValuePair<string, IAppendObserver[]>(stream, existing))
                : _streams.TryUpdate(stream, rest, existing);
            if (done)
            {
                return;
            }
        }
    }

    private sealed class Handle(AppendWatchers owner, string stream, IAppendObserver observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(stream, observer);
            }
        }
    }
}
