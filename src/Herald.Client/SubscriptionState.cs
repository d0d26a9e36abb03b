using System.Text;

namespace Herald.Client;

/// <summary>
/// What one subscription remembers across its connections: where it is, the epoch it learned, and how its reconnects are
/// paced. The reconnect loop in <see cref="HeraldClient"/> is shared; what to request and how to read a frame differ
/// between one stream (<c>GET /streams/{name}</c>) and several (<c>GET /subscribe</c>).
/// </summary>
internal abstract class SubscriptionState
{
    private readonly string[] _types;

    protected SubscriptionState(IEnumerable<string>? eventTypes)
    {
        _types = eventTypes is null ? [] : [.. eventTypes];
        foreach (string type in _types)
        {
            ArgumentException.ThrowIfNullOrEmpty(type, nameof(eventTypes));
        }
    }

    public string? Epoch { get; set; }

    /// <summary>The server's last <c>retry:</c>.</summary>
    public TimeSpan? Retry { get; set; }

    /// <summary>The <c>Retry-After</c> of the last refused attempt, used once.</summary>
    public TimeSpan? RetryAfter { get; set; }

    /// <summary>Failed attempts in a row; reset by a hello.</summary>
    public int Failures { get; set; }

    /// <summary>Whether the current connection got its hello: a connection that did not, did not work.</summary>
    public bool Greeted { get; set; }

    /// <summary>What the subscription follows, for error messages: <c>'orders'</c>.</summary>
    public abstract string Description { get; }

    /// <summary>The <c>Last-Event-ID</c> to resume with; null to start live.</summary>
    public abstract string? LastEventId { get; }

    /// <summary>The request's path and query under <paramref name="baseUrl"/>.</summary>
    public abstract Uri RequestUri(Uri baseUrl);

    /// <summary>Turns one complete frame into what the caller sees, updating the position; null when it is not for the caller.</summary>
    public HeraldItem? Accept(SseFrame frame) =>
        frame.Id is string id ? AcceptIdentified(frame, id) : frame.EventType switch
        {
            "hello" when frame.Data is not null => Hello(frame.Data),
            "gap" when frame.Data is not null => Gap(frame.Data),
            "reset" when frame.Data is not null => Reset(frame.Data),
            _ => null, // docs/protocol.md defines no other frame without an ID
        };

    /// <summary>A frame with an <c>id:</c> (<paramref name="idField"/>): an event, or an id-only frame that moves the position past filtered events.</summary>
    protected abstract HeraldItem? AcceptIdentified(SseFrame frame, string idField);

    /// <summary>The connection's <c>hello</c>: what it reports, if anything.</summary>
    protected abstract HeraldItem? Hello(string data);

    protected abstract HeraldItem? Gap(string data);

    protected abstract HeraldItem? Reset(string data);

    /// <summary>Starts a new connection's bookkeeping.</summary>
    public virtual void Connecting() => Greeted = false;

    /// <summary>Appends <c>epoch</c> (only with a position: docs/protocol.md ignores it without one) and the type filter.</summary>
    protected void AppendCommonQuery(StringBuilder query)
    {
        if (LastEventId is not null && Epoch is not null)
        {
            Append(query, "epoch", Epoch);
        }

        foreach (string type in _types)
        {
            Append(query, "type", type);
        }
    }

    protected static void Append(StringBuilder query, string name, string value) =>
        query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
}
