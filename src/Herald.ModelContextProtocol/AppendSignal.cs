using System.Threading.Channels;

namespace Herald.ModelContextProtocol;

/// <summary>
/// Wakes a waiting reader when its stream was appended to (an <see cref="IEventLog.Watch"/> observer). It only says
/// "look again": the reader then reads the log, so a signal that races a read costs one empty read, never an event.
/// </summary>
internal sealed class AppendSignal : IAppendObserver
{
    // One pending wake-up is enough; more would only repeat it.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <inheritdoc />
    public void OnAppended(EventsAppendedEventArgs appended) => _wake.Writer.TryWrite(true);

    /// <summary>Completes once an append was reported since the last wait.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken) =>
        await _wake.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
}
