using System.Net;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Server.Tests;

/// <summary>docs/protocol.md "Operations": from SIGTERM on, a new publish is never acknowledged: 503 with Retry-After, nothing appended.</summary>
public sealed class ShutdownPublishTests
{
    [Fact]
    public async Task Publish_OnAKeptAliveConnectionOnceStoppingBegan_Answers503WithRetryAfterAndAppendsNothing()
    {
        HeraldHost host = await HeraldHost.StartAsync();
        try
        {
            Assert.Equal(1, await host.Client.PublishAsync("late", "before")); // opens the keep-alive connection used below
            IHostApplicationLifetime lifetime = host.App.Services.GetRequiredService<IHostApplicationLifetime>();
            var answered = new TaskCompletionSource<(HttpStatusCode Status, string? RetryAfter, string Body)>(TaskCreationOptions.RunContinuationsAsynchronously);

            // ApplicationStopping callbacks run before the server stops taking requests: a publish sent from one is the
            // request that arrives on an open connection right after SIGTERM.
            using CancellationTokenRegistration _ = lifetime.ApplicationStopping.Register(() =>
            {
                using HttpResponseMessage response = host.Client.PostAsync("/streams/late", "after"u8.ToArray()).GetAwaiter().GetResult();
                answered.TrySetResult((response.StatusCode, response.Headers.RetryAfter?.ToString(), response.Content.ReadAsStringAsync().GetAwaiter().GetResult()));
            });
            lifetime.StopApplication();
            (HttpStatusCode status, string? retryAfter, string body) = await answered.Task.WaitAsync(TestTimeouts.Frame);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.NotNull(retryAfter);
            Assert.Contains("shutting-down", body, StringComparison.Ordinal);
            Assert.Equal(1, (await host.App.Services.GetRequiredService<IEventLog>().GetInfoAsync("late", CancellationToken.None)).Last);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribe_OnceStoppingBegan_IsRefusedByClosingTheConnectionNeverANon200()
    {
        HeraldHost host = await HeraldHost.StartAsync();
        try
        {
            Assert.Equal(1, await host.Client.PublishAsync("late", "before")); // opens the keep-alive connection used below
            IHostApplicationLifetime lifetime = host.App.Services.GetRequiredService<IHostApplicationLifetime>();
            var answered = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            using CancellationTokenRegistration _ = lifetime.ApplicationStopping.Register(() =>
            {
                try
                {
                    using HttpResponseMessage response = host.Client.GetAsync("/streams/late", HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                    answered.TrySetResult($"answered {(int)response.StatusCode}");
                }
                catch (HttpRequestException ex)
                {
                    answered.TrySetResult("closed: " + ex.Message);
                }
            });
            lifetime.StopApplication();

            string outcome = await answered.Task.WaitAsync(TestTimeouts.Frame);

            Assert.StartsWith("closed", outcome, StringComparison.Ordinal);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
