using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Herald.Client;

/// <summary>
/// A client of Herald's HTTP contract: subscriptions that resume by themselves and never yield an event twice, and
/// publishes that can be retried safely because each carries an <c>Idempotency-Key</c>. Thread-safe; share one per process.
/// </summary>
public sealed partial class HeraldClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri[] _baseUrls;
    private readonly HeraldClientOptions _options;
    private int _preferred;

    /// <summary>Creates a client; it opens no connection until it is used.</summary>
    /// <param name="options">Where the servers are and how to retry; <see cref="HeraldClientOptions.BaseUrls"/> must not be empty.</param>
    /// <exception cref="ArgumentException">No base URL, a relative one, or delays that are negative or out of order.</exception>
    public HeraldClient(HeraldClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BaseUrls is null || options.BaseUrls.Count == 0)
        {
            throw new ArgumentException("At least one base URL is needed.", nameof(options));
        }

        if (options.MinReconnectDelay < TimeSpan.Zero || options.MaxReconnectDelay < options.MinReconnectDelay)
        {
            throw new ArgumentException("Reconnect delays must satisfy 0 <= MinReconnectDelay <= MaxReconnectDelay.", nameof(options));
        }

        if (options.MaxPublishAttempts < 1)
        {
            throw new ArgumentException("MaxPublishAttempts must be at least 1.", nameof(options));
        }

        if (options.IdleTimeout <= TimeSpan.Zero && options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("IdleTimeout must be positive or Timeout.InfiniteTimeSpan.", nameof(options));
        }

        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
        _baseUrls = [.. options.BaseUrls.Select(NormalizeBase)];
        _options = options;
        if (options.HttpClient is not null)
        {
            _http = options.HttpClient;
        }
        else
        {
            HttpMessageHandler handler = options.HttpMessageHandler ?? new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            };

            // Our own handler is disposed with the HttpClient; a handler the caller gave stays theirs.
            _http = new HttpClient(handler, disposeHandler: options.HttpMessageHandler is null) { Timeout = options.RequestTimeout };
            _ownsHttp = true;
        }
    }

    /// <summary>Disposes the <see cref="HttpClient"/> the client created itself (not one given in the options).</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static Uri NormalizeBase(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            throw new ArgumentException($"Base URL '{url}' is not absolute.", nameof(url));
        }

        // new Uri(base, "streams/x") replaces the last segment of a base without a trailing slash.
        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url.GetLeftPart(UriPartial.Path) + "/" + url.Query);
    }

    private int CurrentBaseIndex => Volatile.Read(ref _preferred);

    /// <summary>Moves to the next base URL, unless another caller already moved away from <paramref name="failed"/>.</summary>
    private void Rotate(int failed) => Interlocked.CompareExchange(ref _preferred, (failed + 1) % _baseUrls.Length, failed);

    private static Uri StreamUri(Uri baseUrl, string stream, string? suffix, string? query) =>
        new(baseUrl, "streams/" + Uri.EscapeDataString(stream) + suffix + (query is null ? string.Empty : "?" + query));

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> (1 = first retry): full jitter, a uniform random delay up to
    /// [1 ms, min(max, min × 2^(attempt−1))], so that many clients cut off together come back spread out.
    /// </summary>
    private TimeSpan Backoff(int attempt)
    {
        double ceiling = _options.MinReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        ceiling = Math.Min(ceiling, _options.MaxReconnectDelay.TotalMilliseconds);
        if (ceiling < 1)
        {
            return TimeSpan.Zero;
        }

        // At least 1 ms, so that even the luckiest draw yields the thread rather than spinning on a dead address.
        return TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(1, (int)Math.Min(ceiling, int.MaxValue - 1) + 1));
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or a date), null when absent or already past.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date - _options.TimeProvider.GetUtcNow());
        return wait > TimeSpan.Zero ? wait : null;
    }

    /// <summary>The longer of the two, capped at <see cref="HeraldClientOptions.MaxReconnectDelay"/>.</summary>
    private TimeSpan Max(TimeSpan computed, TimeSpan asked)
    {
        TimeSpan longer = asked > computed ? asked : computed;
        return longer < _options.MaxReconnectDelay ? longer : _options.MaxReconnectDelay;
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _options.TimeProvider, cancellationToken);

    private static bool IsRetryableStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>Reads an RFC 9457 body (when there is one) into a <see cref="HeraldException"/>.</summary>
    private static async Task<HeraldException> ProblemAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        string? title = null;
        string? detail = null;
        string? type = null;
        try
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using JsonDocument json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                title = Json.StringMember(json.RootElement, "title");
                detail = Json.StringMember(json.RootElement, "detail");
                type = Json.StringMember(json.RootElement, "type");
            }
        }
        catch (JsonException)
        {
            // Not problem+json (e.g. a proxy's HTML page): the status says enough.
        }
        catch (HttpRequestException)
        {
        }
        catch (IOException)
        {
        }

        string message = $"{what}: {status} {title ?? response.ReasonPhrase}" + (detail is null ? string.Empty : ": " + detail);
        return new HeraldException(status, title, detail, type, message);
    }

    private static string FormatId(long id) => id.ToString(CultureInfo.InvariantCulture);

    private void AddAuthorization(HttpRequestMessage request)
    {
        if (_options.PublisherKey is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }
}
