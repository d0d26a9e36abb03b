using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald;

/// <summary>Chooses the embedded SQLite store.</summary>
public static class SqliteHeraldBuilderExtensions
{
    /// <summary>
    /// Keeps the log in the SQLite file at <paramref name="path"/> (created with its folder when missing): durable across
    /// restarts and <c>kill -9</c>. <paramref name="synchronousFull"/> (the default) makes every acknowledged event survive
    /// power loss; <see langword="false"/> uses <c>synchronous=NORMAL</c>, which survives a process crash.
    /// </summary>
    public static HeraldBuilder UseSqlite(this HeraldBuilder builder, string path, bool synchronousFull = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.UseStore(sp =>
        {
            HeraldOptions options = sp.GetRequiredService<IOptions<HeraldOptions>>().Value;
            SqliteEventLogOptions sqlite = new(path)
            {
                SynchronousFull = synchronousFull,
                Log = options.ToEventLogOptions(sp.GetRequiredService<TimeProvider>()),
            };

            // Opened once, at host start (HeraldLifetime resolves it); nothing is awaited on a request path here.
            return SqliteEventLog.OpenAsync(sqlite, sp.GetService<ILogger<SqliteEventLog>>()).GetAwaiter().GetResult();
        });
    }
}
