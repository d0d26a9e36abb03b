using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Herald;

/// <summary>
/// A read connection with its statements prepared once. Sessions are pooled by <see cref="SqliteEventLog"/>; one is
/// used by one caller at a time.
/// </summary>
internal sealed class ReadSession : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _read;
    private readonly SqliteParameter _readStream;
    private readonly SqliteParameter _readAfter;
    private readonly SqliteParameter _readMax;
    private readonly SqliteCommand _info;
    private readonly SqliteParameter _infoStream;
    private readonly SqliteCommand _ping;

    private ReadSession(SqliteConnection connection)
    {
        _connection = connection;

        // One range scan of the primary key; the stream's row ID comes from the unique index in the same statement.
        _read = Prepare(
            "SELECT id, type, data FROM events WHERE stream_id = (SELECT stream_id FROM streams WHERE name = $stream) AND id > $after ORDER BY id LIMIT $max");
        _readStream = _read.Parameters.Add("$stream", SqliteType.Text);
        _readAfter = _read.Parameters.Add("$after", SqliteType.Integer);
        _readMax = _read.Parameters.Add("$max", SqliteType.Integer);
        _read.Prepare();

        // MIN(id) over the primary key is one seek, not a scan.
        _info = Prepare("SELECT s.last, (SELECT MIN(e.id) FROM events e WHERE e.stream_id = s.stream_id) FROM streams s WHERE s.name = $stream");
        _infoStream = _info.Parameters.Add("$stream", SqliteType.Text);
        _info.Prepare();

        _ping = Prepare("SELECT 1");
        _ping.Prepare();
    }

    public static ReadSession Open(string connectionString, int busyTimeoutMilliseconds)
    {
        SqliteConnection connection = new(connectionString);
        try
        {
            connection.Open();
            using (SqliteCommand pragma = connection.CreateCommand())
            {
                // query_only: a read session can never write, whatever a future change sends through it.
                pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={busyTimeoutMilliseconds}; PRAGMA query_only=1;");
                pragma.ExecuteNonQuery();
            }

            return new ReadSession(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public List<StoredEvent> Read(string stream, long after, int max)
    {
        _readStream.Value = stream;
        _readAfter.Value = after;
        _readMax.Value = max;
        List<StoredEvent> events = new(Math.Min(max, 1024));
        using SqliteDataReader reader = _read.ExecuteReader();
        while (reader.Read())
        {
            long id = reader.GetInt64(0);
            string? type = reader.IsDBNull(1) ? null : reader.GetString(1);
            byte[] data = reader.GetFieldValue<byte[]>(2);
            events.Add(new StoredEvent(id, type, data));
        }

        return events;
    }

    public StreamInfo GetInfo(string stream)
    {
        _infoStream.Value = stream;
        using SqliteDataReader reader = _info.ExecuteReader();
        if (!reader.Read())
        {
            return new StreamInfo(null, 0);
        }

        long last = reader.GetInt64(0);
        long? first = reader.IsDBNull(1) ? null : reader.GetInt64(1);
        return new StreamInfo(first, last);
    }

    public bool Ping() => Convert.ToInt64(_ping.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;

    public void Dispose()
    {
        _read.Dispose();
        _info.Dispose();
        _ping.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}
