using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// Publishes <c>e1 … eN</c> to one stream, one after the other, each with its own <c>Idempotency-Key</c>: an attempt that
/// fails because the server is down (or was killed after the commit but before the answer) is repeated until the server
/// answers, and the key makes a repeat append nothing. So event <c>ei</c> gets ID <c>i</c> whatever happens in between.
/// </summary>
internal sealed class RetryingPublisher
{
    private readonly Uri _server;
    private readonly string _stream;
    private readonly TimeSpan _pace;
    private int _published;
    private int _failedAttempts;
    private int _holdAfter = int.MaxValue;

    public RetryingPublisher(Uri server, string stream, TimeSpan pace)
    {
        _server = server;
        _stream = stream;
        _pace = pace;
    }

    /// <summary>Events acknowledged so far.</summary>
    public int Published => Volatile.Read(ref _published);

    /// <summary>Attempts that got no answer (or not a success), all events together.</summary>
    public int FailedAttempts => Volatile.Read(ref _failedAttempts);

    /// <summary>
    /// Publishes no event after <paramref name="last"/> until told otherwise, so that a test decides what is still to be
    /// published when it kills the server, however fast or slow the machine is.
    /// </summary>
    public void HoldAfter(int last) => Volatile.Write(ref _holdAfter, last);

    public async Task RunAsync(int count, TimeSpan deadline)
    {
        using CancellationTokenSource stop = new(deadline);
        using HttpClient http = TestHttp.CreateClient(_server);
        http.Timeout = TimeSpan.FromSeconds(5);
        for (int i = 1; i <= count; i++)
        {
            while (i > Volatile.Read(ref _holdAfter))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), stop.Token);
            }

            while (true)
            {
                stop.Token.ThrowIfCancellationRequested();
                long? id = await TryPublishAsync(http, i);
                if (id is not null)
                {
                    Assert.True(id == i, $"e{i} got ID {id}");
                    Interlocked.Increment(ref _published);
                    break;
                }

                Interlocked.Increment(ref _failedAttempts);
                await Task.Delay(TimeSpan.FromMilliseconds(100), stop.Token); // the server is down: try again shortly
            }

            await Task.Delay(_pace, stop.Token);
        }
    }

    private async Task<long?> TryPublishAsync(HttpClient http, int i)
    {
        using HttpRequestMessage request = new(HttpMethod.Post, "/streams/" + _stream) { Content = new StringContent("e" + i, Encoding.UTF8, "text/plain") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "e" + i);
        try
        {
            using HttpResponseMessage response = await http.SendAsync(request);
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            {
                return null;
            }

            using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("id").GetInt64();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }
}
