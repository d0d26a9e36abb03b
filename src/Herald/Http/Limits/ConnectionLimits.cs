using System.Net;
using Herald.Hosting;
using Herald.Http.Formats;
using Herald.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Herald.Http.Limits;

/// <summary>
/// Caps on open SSE subscriptions (<see cref="HeraldOptions.MaxConnections"/>, <see cref="HeraldOptions.MaxConnectionsPerIp"/>):
/// one client cannot take every slot, and the node never accepts more connections than it was sized for. A refused
/// subscriber gets problem+json with <c>Retry-After</c> (<c>429</c> per IP, <c>503</c> when the node is full).
/// </summary>
internal sealed class ConnectionLimits
{
    // Long enough that a refused client does not hammer the node, short enough that a slot freed by a disconnect is used.
    private const int RetryAfterSeconds = 5;

    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Lock _lock = new();
    private readonly int _maxTotal;
    private readonly int _maxPerAddress;
    private readonly HeraldMetrics _metrics;
    private int _total;

    public ConnectionLimits(IOptions<HeraldOptions> options, HeraldMetrics metrics)
    {
        _maxTotal = options.Value.MaxConnections;
        _maxPerAddress = options.Value.MaxConnectionsPerIp;
        _metrics = metrics;
    }

    /// <summary>Subscriptions open now on this node.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    /// <summary>
    /// Takes a slot for the subscription, to be disposed when it ends; or answers the refusal itself and returns
    /// <see langword="null"/>.
    /// </summary>
    public async ValueTask<ConnectionSlot?> EnterAsync(HttpContext context)
    {
        IPAddress address = ClientAddress.Of(context); // IPv6 per /64
        string? refused;
        lock (_lock)
        {
            _perAddress.TryGetValue(address, out int fromAddress);
            refused = _maxTotal > 0 && _total >= _maxTotal ? "total"
                : _maxPerAddress > 0 && fromAddress >= _maxPerAddress ? "per_ip"
                : null;
            if (refused is null)
            {
                _total++;
                _perAddress[address] = fromAddress + 1;
            }
        }

        if (refused is null)
        {
            return new ConnectionSlot(this, address);
        }

        _metrics.ConnectionRejected(refused);
        await Problems.WriteAsync(context, refused == "total"
            ? new Problem(StatusCodes.Status503ServiceUnavailable, "too-many-connections", "Server full", $"This node serves at most {_maxTotal} subscriptions; retry later or on another node.") { RetryAfterSeconds = RetryAfterSeconds }
            : new Problem(StatusCodes.Status429TooManyRequests, "too-many-connections", "Too many subscriptions from this address", $"At most {_maxPerAddress} open subscriptions per client address; close one or retry later.") { RetryAfterSeconds = RetryAfterSeconds });
        return null;
    }

    private void Leave(IPAddress address)
    {
        lock (_lock)
        {
            _total--;
            int left = _perAddress[address] - 1;
            if (left == 0)
            {
                _perAddress.Remove(address); // the map holds only addresses with open subscriptions
            }
            else
            {
                _perAddress[address] = left;
            }
        }
    }

    /// <summary>One open subscription's place under the caps; released once, when disposed.</summary>
    internal sealed class ConnectionSlot : IDisposable
    {
        private readonly ConnectionLimits _owner;
        private readonly IPAddress _address;
        private int _released;

        public ConnectionSlot(ConnectionLimits owner, IPAddress address)
        {
            _owner = owner;
            _address = address;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.Leave(_address);
            }
        }
    }
}
