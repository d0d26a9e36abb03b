namespace Herald.Client;

/// <summary>How a <see cref="HeraldClient"/> reaches Herald, retries and waits. Build it in code; change it with <c>with</c>.</summary>
public sealed record HeraldClientOptions
{
    /// <summary>
    /// The servers' base addresses (e.g. <c>http://127.0.0.1:5080/</c>), tried in order: on a network error or a 5xx answer
    /// the client moves to the next one and stays there while it works. At least one.
    /// </summary>
    public IReadOnlyList<Uri> BaseUrls { get; init; } = [];

    /// <summary>
    /// An <see cref="System.Net.Http.HttpClient"/> to send every request through. The client neither changes nor disposes it.
    /// Its <see cref="HttpClient.Timeout"/> bounds each publish attempt and each subscription's wait for response headers.
    /// When null, the client creates its own (over <see cref="HttpMessageHandler"/> when given).
    /// </summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>The handler for the client's own <see cref="System.Net.Http.HttpClient"/> when <see cref="HttpClient"/> is null; not disposed by the client.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; init; }

    /// <summary>The publisher key, sent as <c>Authorization: Bearer</c> on publishes; null when the server needs none.</summary>
    public string? PublisherKey { get; init; }

    /// <summary>The first reconnect or publish retry waits up to this long (full jitter); each failure in a row doubles it. Default 250 ms.</summary>
    public TimeSpan MinReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between attempts, also the cap on the server's <c>retry:</c>. Default 30 s.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a publish is sent (with the same <c>Idempotency-Key</c>) before it fails. Default 8.</summary>
    public int MaxPublishAttempts { get; init; } = 8;

    /// <summary>Bounds each request of the client's own <see cref="System.Net.Http.HttpClient"/> up to its response headers. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a subscription may receive nothing at all — no event, no heartbeat — before it treats the connection as
    /// dead and reconnects (half-open connections are otherwise noticed only by TCP, after many minutes). Keep it well
    /// above the server's heartbeat (default 15 s). Default 45 s; <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>The clock for waits between attempts and for <see cref="IdleTimeout"/>. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
