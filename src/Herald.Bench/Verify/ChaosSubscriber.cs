using Herald.Client;

namespace Herald.Bench.Verify;

/// <summary>
/// Streams the run's stream from the first event with <see cref="HeraldClient"/>, which resumes by itself after every
/// fault, and records every item it yields, in order, for the checker.
/// </summary>
internal sealed class ChaosSubscriber : IAsyncDisposable
{
    private readonly string _stream;
    private readonly ChaosPayload _payloads;
    private readonly DroppableConnections _connections = new();
    private readonly SocketsHttpHandler _handler;
    private readonly HeraldClient _client;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public ChaosSubscriber(int number, IReadOnlyList<Uri> baseUrls, string stream, ChaosPayload payloads)
    {
        Number = number;
        _stream = stream;
        _payloads = payloads;
        _handler = _connections.CreateHandler();
        _client = new HeraldClient(new HeraldClientOptions
        {
            BaseUrls = baseUrls,
            HttpMessageHandler = _handler,
            MinReconnectDelay = TimeSpan.FromMilliseconds(50),

            // Also caps the randomized retry: (3-8 s) a stopping node sends, so a restarted node is used again at once.
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
            RequestTimeout = TimeSpan.FromSeconds(15),
        });
    }

    public int Number { get; }

    public DeliveryLog Log { get; } = new();

    /// <summary>Set when the subscription ended by itself (a 4xx from the server): the run cannot be verified.</summary>
    public string? Failure { get; private set; }

    public void Start() => _loop = Task.Run(ReceiveAsync);

    public int DropConnections() => _connections.DropAll();

    /// <summary>Ends the subscription and waits for its loop; <see cref="Log"/> is complete afterwards.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        _handler.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveAsync()
    {
        try
        {
            await foreach (HeraldItem item in _client.SubscribeAsync(_stream, lastEventId: 0, _stop.Token).ConfigureAwait(false))
            {
                switch (item)
                {
                    case HeraldEvent e:
                        Log.Add(e.Id, _payloads.KeyOf(e.Data));
                        break;
                    case HeraldGap:
                        Log.AddGapFrame();
                        break;
                    case HeraldReset reset:
                        Log.AddReset(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                            $"at {DateTimeOffset.UtcNow:HH:mm:ss.fff} UTC: resuming from {reset.LastEventId}, the server's last ID {reset.Last}, epoch {reset.Epoch}"));
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped by the run.
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            // A 4xx (HeraldException) or anything the client did not expect: this subscriber saw no more, so say why.
            Failure = $"subscriber {Number} stopped: {ex.GetType().Name}: {ex.Message}";
        }
    }
}
