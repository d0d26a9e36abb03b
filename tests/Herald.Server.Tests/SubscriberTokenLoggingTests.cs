using System.Collections.Concurrent;
using System.Net;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests;

/// <summary>Logs never contain a token, even with every category at Trace.</summary>
public sealed class SubscriberTokenLoggingTests
{
    [Fact]
    public async Task Subscribe_TokenInQuery_AppearsInNoLogLineEvenAtTrace()
    {
        CapturingLoggerProvider capture = new();
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { SubscriberKey = SubscriberTokens.Key } }, builder =>
        {
            // As an operator would to debug: everything at Trace, ASP.NET Core's categories included.
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddFilter("Microsoft", LogLevel.Trace);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Trace);
            builder.Logging.AddProvider(capture);
        });
        string token = SubscriberTokens.For("logged");
        await host.Client.PublishAsync("logged", "x");

        await using (SseClient client = await SseClient.ConnectAsync(host.Client, $"/streams/logged?access_token={token}&lastEventId=0"))
        {
            await client.WaitForIdAsync(1);
        }

        using HttpResponseMessage denied = await host.Client.GetAsync($"/streams/other/info?access_token={token}");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        await host.App.StopAsync();

        string[] lines = capture.Lines;
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, line => line.Contains(token, StringComparison.Ordinal) || line.Contains(token.Split('.')[2], StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string[] Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                lines.Enqueue(category + " scope: " + state);
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => p.Key + "=" + p.Value)) : string.Empty;
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {structured} {exception}");
            }
        }
    }
}
