using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Herald;

/// <summary>
/// A read connection with its statements prepared once. Sessions are pooled by <see cref="SqliteEventLog"/>; one is
/// used by one caller at a time.
/// </summary>
internal sealed class ReadSession : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly RawStatement _read;
    private readonly SqliteCommand _info;
    private readonly SqliteParameter _infoStream;
    private readonly SqliteCommand _ping;
    private readonly SqliteCommand _list;
    private readonly SqliteParameter _listAfter;
    private readonly SqliteParameter _listMax;
    private string? _lastType;
    private byte[] _lastTypeUtf8 = [];

    private ReadSession(SqliteConnection connection)
    {
        _connection = connection;

        // One range scan of the primary key; the stream's row ID comes from the unique index in the same statement.
        // Native, bound by index and read as spans: this is the replay loop (see RawStatement).
        _read = new RawStatement(
            connection,
            "SELECT id, type, data FROM events WHERE stream_id = (SELECT stream_id FROM streams WHERE name = ?1) AND id > ?2 ORDER BY id LIMIT ?3");

        // MIN(id) over the primary key is one seek, not a scan.
        _info = Prepare("SELECT s.last, (SELECT MIN(e.id) FROM events e WHERE e.stream_id = s.stream_id) FROM streams s WHERE s.name = $stream");
        _infoStream = _info.Parameters.Add("$stream", SqliteType.Text);
        _info.Prepare();

        _ping = Prepare("SELECT 1");
        _ping.Prepare();

        // Walks the unique index on name (BINARY collation: byte order, which is ordinal order for stream names' ASCII).
        _list = Prepare(
            "SELECT s.name, s.last, (SELECT MIN(e.id) FROM events e WHERE e.stream_id = s.stream_id) FROM streams s WHERE s.name > $after ORDER BY s.name LIMIT $max");
        _listAfter = _list.Parameters.Add("$after", SqliteType.Text);
        _listMax = _list.Parameters.Add("$max", SqliteType.Integer);
        _list.Prepare();
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

    /// <summary>Up to <paramref name="max"/> events after <paramref name="after"/> whose data adds up to at most <paramref name="maxBytes"/> (the first always).</summary>
    public List<StoredEvent> Read(string stream, long after, int max, long maxBytes)
    {
        List<StoredEvent> events = new(Math.Min(max, 1024));
        long bytes = 0;
        try
        {
            _read.BindText(1, stream);
            _read.BindInt64(2, after);
            _read.BindInt64(3, max);
            while (_read.Step())
            {
                // The size is known before the row's bytes are copied: the row that would exceed the limit is never copied.
                ReadOnlySpan<byte> row = _read.Bytes(2);
                bytes += row.Length;
                if (bytes > maxBytes && events.Count > 0)
                {
                    break;
                }

                long id = _read.Int64(0);
                string? type = _read.IsNull(1) ? null : TypeString(_read.Bytes(1));
                events.Add(new StoredEvent(id, type, row.ToArray()));
                if (bytes == maxBytes)
                {
                    break;
                }
            }
        }
        finally
        {
            _read.Reset();
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

    public List<StreamSummary> ListStreams(string? after, int max)
    {
        _listAfter.Value = after ?? "";
        _listMax.Value = max;
        List<StreamSummary> page = new(Math.Min(max, 1024));
        using SqliteDataReader reader = _list.ExecuteReader();
        while (reader.Read())
        {
            page.Add(new StreamSummary(reader.GetString(0), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt64(1)));
        }

        return page;
    }

    // A stream's events mostly share a type or two: hand out the same string instead of decoding one per event.
    private string TypeString(ReadOnlySpan<byte> utf8)
    {
        if (_lastType is null || !utf8.SequenceEqual(_lastTypeUtf8))
        {
            _lastType = Encoding.UTF8.GetString(utf8);
            _lastTypeUtf8 = utf8.ToArray();
        }

        return _lastType;
    }

    public bool Ping() => Convert.ToInt64(_ping.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;

    public void Dispose()
    {
        _read.Dispose();
        _info.Dispose();
        _ping.Dispose();
        _list.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}
