using Herald.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Testing.Infrastructure;

/// <summary>
/// The real server in this process: Kestrel on 127.0.0.1:0, built by <see cref="HeraldServer.Build"/> (or by a test's own
/// AddHerald/MapHerald app), with the bound address read back from <see cref="IServerAddressesFeature"/>.
/// </summary>
internal sealed class HeraldHost : IAsyncDisposable
{
    private HeraldHost(WebApplication app, Uri baseAddress, HttpClient? client = null)
    {
        App = app;
        BaseAddress = baseAddress;
        Client = client ?? TestHttp.CreateClient(baseAddress);
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client for plain requests; SSE clients open their own connections through it.</summary>
    public HttpClient Client { get; }

    public string Epoch => App.Services.GetRequiredService<IEventLog>().Epoch;

    /// <summary>The standalone server on the memory store unless <paramref name="settings"/> says otherwise.</summary>
    public static Task<HeraldHost> StartAsync(ServerSettings? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        settings ??= new ServerSettings();
        settings = settings with
        {
            Urls = "http://127.0.0.1:0",
            Store = settings.Store == new ServerSettings().Store ? StoreLocation.Parse("memory:") : settings.Store,
        };

        WebApplication app = HeraldServer.Build(settings, builder =>
        {
            QuietLogging(builder);
            configure?.Invoke(builder);
        });
        return StartAsync(app);
    }

    /// <summary>
    /// The host the shared integration tests run against, on the memory store (or SQLite at <paramref name="sqlitePath"/>)
    /// with <paramref name="options"/> applied over the host's own. An embedded host's <see cref="Client"/> is the app's
    /// client (<see cref="EmbeddingAppClientHandler"/>), so tests keep writing docs/protocol.md's <c>/streams/…</c> paths.
    /// </summary>
    public static async Task<HeraldHost> StartAsync(HostKind kind, Action<HeraldOptions>? options = null, string? sqlitePath = null)
    {
        if (kind == HostKind.Standalone)
        {
            ServerSettings settings = sqlitePath is null ? new ServerSettings() : new ServerSettings { Store = StoreLocation.Parse("sqlite:" + sqlitePath) };
            return await StartAsync(settings, builder =>
            {
                if (options is not null)
                {
                    // After AddHerald's own Configure, so these win over the command line's values.
                    builder.Services.Configure(options);
                }
            });
        }

        WebApplication app = EmbeddingApp.Build(options, sqlitePath, QuietLogging);
        return await StartAsync(app, baseAddress => new HttpClient(new EmbeddingAppClientHandler(TestHttp.CreateHandler(), EmbeddingApp.MemberKey))
        {
            BaseAddress = baseAddress,
            Timeout = TestTimeouts.Bulk,
        });
    }

    /// <summary>Starts an app a test built itself (e.g. with extra middleware); it must listen on 127.0.0.1:0.</summary>
    public static async Task<HeraldHost> StartAsync(WebApplication app, Func<Uri, HttpClient>? createClient = null)
    {
        using CancellationTokenSource timeout = new(TestTimeouts.Start);
        await app.StartAsync(timeout.Token);
        IServerAddressesFeature addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel exposes no IServerAddressesFeature.");
        string address = addresses.Addresses.Single();
        Uri baseAddress = new(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return new HeraldHost(app, baseAddress, createClient?.Invoke(baseAddress));
    }

    /// <summary>Test output stays readable: only warnings and errors from the host.</summary>
    public static void QuietLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using CancellationTokenSource timeout = new(TestTimeouts.Start);
        try
        {
            await App.StopAsync(timeout.Token);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}

/// <summary>A host shared by the tests of one class (xunit class fixture): memory store, default settings.</summary>
public sealed class MemoryHostFixture : IAsyncLifetime
{
    private HeraldHost? _host;

    internal HeraldHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await HeraldHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>The embedding app (<see cref="EmbeddingApp"/>) shared by the tests of one class: memory store, default options.</summary>
public sealed class EmbeddedHostFixture : IAsyncLifetime
{
    private HeraldHost? _host;

    internal HeraldHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await HeraldHost.StartAsync(HostKind.Embedded);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
