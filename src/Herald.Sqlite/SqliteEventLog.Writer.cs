using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Herald;

public sealed partial class SqliteEventLog
{
    // One transaction holds at most about this many events (one request is never split), so a flood of appends is
    // still committed, and acknowledged, in bounded steps.
    private const int MaxEventsPerTransaction = 16_384;

    /// <summary>
    /// The only code that writes: it owns the write connection, the per-stream cache and the prepared statements, and
    /// runs on one task, so none of them needs a lock.
    /// </summary>
    private sealed class Writer : IDisposable
    {
        private readonly SqliteEventLog _log;
        private readonly SqliteConnection _connection;
        private readonly EventLogOptions _options;
        // The writer's cache of stream rows: bounded, so a server that has seen a million stream names keeps at most this many.
        private const int MaxCachedStreams = 10_000;

        private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
        private readonly List<AppendRequest> _batch = [];
        private readonly List<StreamState> _touched = [];
        private readonly SqliteCommand[] _commands;

        private readonly SqliteCommand _findStream;
        private readonly SqliteParameter _findStreamName;
        private readonly SqliteCommand _createStream;
        private readonly SqliteParameter _createStreamName;
        private readonly SqliteCommand _setLast;
        private readonly SqliteParameter _setLastStream;
        private readonly SqliteParameter _setLastValue;
        private readonly RawStatement _insertEvent;
        private readonly SqliteCommand _trim;
        private readonly SqliteParameter _trimStream;
        private readonly SqliteParameter _trimUpTo;
        private readonly SqliteCommand _findKey;
        private readonly SqliteParameter _findKeyStream;
        private readonly SqliteParameter _findKeyKey;
        private readonly SqliteParameter _findKeyNow;
        private readonly SqliteCommand _saveKey;
        private readonly SqliteParameter _saveKeyStream;
        private readonly SqliteParameter _saveKeyKey;
        private readonly SqliteParameter _saveKeyFirst;
        private readonly SqliteParameter _saveKeyLast;
        private readonly SqliteParameter _saveKeyExpires;
        private readonly SqliteCommand _sweepKeys;
        private readonly SqliteParameter _sweepKeysNow;

        private long _nextSweepTicks;
        private string? _lastType;
        private byte[] _lastTypeUtf8 = [];

        public Writer(SqliteEventLog log, SqliteConnection connection)
        {
            _log = log;
            _connection = connection;
            _options = log._options.Log;

            _findStream = Command("SELECT stream_id, last, (SELECT MIN(e.id) FROM events e WHERE e.stream_id = s.stream_id) FROM streams s WHERE s.name = $name");
            _findStreamName = _findStream.Parameters.Add("$name", SqliteType.Text);
            _createStream = Command("INSERT INTO streams(name, last) VALUES ($name, 0) RETURNING stream_id");
            _createStreamName = _createStream.Parameters.Add("$name", SqliteType.Text);
            // Guarded: a counter never moves backwards, even if a cached value were stale (the row count is checked).
            _setLast = Command("UPDATE streams SET last = $last WHERE stream_id = $stream AND last < $last");
            _setLastStream = _setLast.Parameters.Add("$stream", SqliteType.Integer);
            _setLastValue = _setLast.Parameters.Add("$last", SqliteType.Integer);

            // The one statement run per event: native, bound by index (see RawStatement).
            _insertEvent = new RawStatement(connection, "INSERT INTO events(stream_id, id, type, data) VALUES (?1, ?2, ?3, ?4)");
            _trim = Command("DELETE FROM events WHERE stream_id = $stream AND id <= $upTo");
            _trimStream = _trim.Parameters.Add("$stream", SqliteType.Integer);
            _trimUpTo = _trim.Parameters.Add("$upTo", SqliteType.Integer);
            _findKey = Command("SELECT first, last FROM idempotency WHERE stream_id = $stream AND key = $key AND expires > $now");
            _findKeyStream = _findKey.Parameters.Add("$stream", SqliteType.Integer);
            _findKeyKey = _findKey.Parameters.Add("$key", SqliteType.Text);
            _findKeyNow = _findKey.Parameters.Add("$now", SqliteType.Integer);

            // REPLACE: an expired key that the sweep has not removed yet is simply taken over.
            _saveKey = Command("INSERT OR REPLACE INTO idempotency(stream_id, key, first, last, expires) VALUES ($stream, $key, $first, $last, $expires)");
            _saveKeyStream = _saveKey.Parameters.Add("$stream", SqliteType.Integer);
            _saveKeyKey = _saveKey.Parameters.Add("$key", SqliteType.Text);
            _saveKeyFirst = _saveKey.Parameters.Add("$first", SqliteType.Integer);
            _saveKeyLast = _saveKey.Parameters.Add("$last", SqliteType.Integer);
            _saveKeyExpires = _saveKey.Parameters.Add("$expires", SqliteType.Integer);
            _sweepKeys = Command("DELETE FROM idempotency WHERE expires <= $now");
            _sweepKeysNow = _sweepKeys.Parameters.Add("$now", SqliteType.Integer);

            _commands = [_findStream, _createStream, _setLast, _trim, _findKey, _saveKey, _sweepKeys];
            foreach (SqliteCommand command in _commands)
            {
                command.Prepare();
            }
        }

        public void Run()
        {
            try
            {
                RunCore();
            }
#pragma warning disable CA1031 // Whatever stopped the writer, every queued and later append must fail now, not hang.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _log._writerFailure = ex;
                _log._requests.Writer.TryComplete(ex);
                Log.WriterStopped(_log._logger, ex, _log._options.Path);
                EventLogUnavailableException failure = WriterStopped(ex);
                foreach (AppendRequest request in _batch)
                {
                    request.TrySetException(failure);
                }

                while (_log._requests.Reader.TryRead(out AppendRequest? queued))
                {
                    queued.TrySetException(failure);
                }
            }
        }

        private void RunCore()
        {
            ChannelReader<AppendRequest> requests = _log._requests.Reader;

            // Ends once DisposeAsync completed the channel and everything queued before that is committed.
            while (WaitToRead(requests))
            {
                int events = 0;
                while (events < MaxEventsPerTransaction && requests.TryRead(out AppendRequest? request))
                {
                    // A caller that gave up before its append was taken gets a cancellation and nothing is written;
                    // once taken, the append is committed whatever the token does, so "cancelled" always means "not appended".
                    if (request.Poison is Exception poison)
                    {
                        throw poison;
                    }

                    if (request.Gate is Task gate)
                    {
                        gate.GetAwaiter().GetResult(); // tests only: the writer owns its thread, blocking it is the point
                        request.TrySetResult(default);
                        continue;
                    }

                    if (request.CancellationToken.IsCancellationRequested)
                    {
                        request.TrySetCanceled(request.CancellationToken);
                        continue;
                    }

                    _batch.Add(request);
                    events += request.Events.Count;
                }

                if (_batch.Count > 0)
                {
                    CommitBatch(events);
                    _batch.Clear();
                }
            }
        }

        // The writer owns its thread, so blocking here costs nothing; the common case (requests waiting) does not block.
        private static bool WaitToRead(ChannelReader<AppendRequest> requests)
        {
            ValueTask<bool> wait = requests.WaitToReadAsync();
            return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _insertEvent.Dispose();
            foreach (SqliteCommand command in _commands)
            {
                command.Dispose();
            }

            SqliteConnection.ClearPool(_connection);
            _connection.Dispose();
        }

        private void CommitBatch(int eventCount)
        {
            long now = _options.TimeProvider.GetUtcNow().UtcTicks;
            if (_streams.Count >= MaxCachedStreams)
            {
                // A cache, not the truth: between batches (nothing touched), forget it all rather than grow with every name
                // ever appended to; each stream is read back from its row on its next append.
                _streams.Clear();
            }

            SqliteTransaction? transaction = null;
            try
            {
                transaction = _connection.BeginTransaction(deferred: false);
                foreach (SqliteCommand command in _commands)
                {
                    command.Transaction = transaction;
                }

                if (now >= _nextSweepTicks)
                {
                    // Expired keys are ignored on lookup; this only keeps the table small, so once a minute is plenty.
                    _sweepKeysNow.Value = now;
                    _sweepKeys.ExecuteNonQuery();
                    _nextSweepTicks = now + TimeSpan.TicksPerMinute;
                }

                foreach (AppendRequest request in _batch)
                {
                    Apply(request, now);
                }

                foreach (StreamState stream in _touched)
                {
                    _setLastStream.Value = stream.Id;
                    _setLastValue.Value = stream.Last;
                    if (_setLast.ExecuteNonQuery() != 1)
                    {
                        throw new InvalidOperationException($"Stream '{stream.Name}' in '{_log._options.Path}' is already at or past {stream.Last}: another writer changed the file; nothing was appended.");
                    }
                    TrimIfNeeded(stream);
                }

                transaction.Commit();
                Interlocked.Increment(ref _log._commits);
                _log._commitFailing = false;
            }
            catch (Exception ex)
            {
                // Never a partial append: roll everything back, fail every request of the batch, and forget the cached
                // stream state, which may describe rows that were never committed.
                try
                {
                    transaction?.Rollback();
                }
                catch (Exception rollbackError) when (rollbackError is SqliteException or InvalidOperationException)
                {
                    // SQLite may have rolled back already (disk full, I/O error); the transaction is gone either way.
                }

                _streams.Clear();
                _touched.Clear();
                _log._commitFailing = true;
                Log.CommitFailed(_log._logger, ex, _batch.Count, eventCount, _log._options.Path);
                foreach (AppendRequest request in _batch)
                {
                    request.TrySetException(new EventLogUnavailableException("The SQLite store could not commit the append; nothing was appended.", ex));
                }

                return;
            }
            finally
            {
                transaction?.Dispose();
            }

            Publish();
        }

        private void Apply(AppendRequest request, long now)
        {
            bool observed = _log._watchers.IsWatched(request.Stream);
            StreamState? stream = FindStream(request.Stream);
            string? key = request.IdempotencyKey;
            if (key is not null && stream is not null)
            {
                // Same transaction as the append that saved the key, so a repeat inside this very batch is caught too.
                _findKeyStream.Value = stream.Id;
                _findKeyKey.Value = key;
                _findKeyNow.Value = now;
                using SqliteDataReader reader = _findKey.ExecuteReader();
                if (reader.Read())
                {
                    request.Result = new AppendResult(reader.GetInt64(0), reader.GetInt64(1), Replayed: true);
                    return;
                }
            }

            stream ??= CreateStream(request.Stream);
            IReadOnlyList<EventData> events = request.Events;
            int count = events.Count;
            if (stream.Last > long.MaxValue - count)
            {
                throw new InvalidOperationException($"Stream '{request.Stream}' has used every ID up to {stream.Last}.");
            }

            long first = stream.Last + 1;
            StoredEvent[]? stored = observed ? new StoredEvent[count] : null;
            for (int i = 0; i < count; i++)
            {
                EventData e = events[i];
                long id = first + i;
                InsertEvent(stream.Id, id, e);
                if (stored is not null)
                {
                    stored[i] = new StoredEvent(id, e.EventType, e.Data);
                }
            }

            stream.Last = first + count - 1;
            stream.First ??= first;
            if (!stream.Touched)
            {
                stream.Touched = true;
                _touched.Add(stream);
            }

            if (key is not null)
            {
                long window = _options.IdempotencyWindow.Ticks;
                _saveKeyStream.Value = stream.Id;
                _saveKeyKey.Value = key;
                _saveKeyFirst.Value = first;
                _saveKeyLast.Value = stream.Last;
                _saveKeyExpires.Value = now > long.MaxValue - window ? long.MaxValue : now + window;
                _saveKey.ExecuteNonQuery();
            }

            request.Result = new AppendResult(first, stream.Last, Replayed: false);
            request.Stored = stored;
        }

        private void TrimIfNeeded(StreamState stream)
        {
            // Trimming in chunks of TrimSlack keeps the DELETE off most commits; `last` stays in `streams`, so IDs go on.
            long retention = _options.Retention;
            if (stream.First is long first && stream.Last - first + 1 > retention + _options.TrimSlack)
            {
                long upTo = stream.Last - retention;
                _trimStream.Value = stream.Id;
                _trimUpTo.Value = upTo;
                _trim.ExecuteNonQuery();
                stream.First = upTo + 1;
            }
        }

        /// <summary>After the commit: observers first, then the callers.</summary>
        private void Publish()
        {
            // Observers see the events before AppendAsync returns (as with the memory store), so a publisher that got its
            // ID can count on the hot tail already holding the event. Requests are in ID order per stream.
            long committed = _options.TimeProvider.GetTimestamp();
            foreach (AppendRequest request in _batch)
            {
                if (request.Stored is StoredEvent[] stored)
                {
                    _log._watchers.Report(request.Stream, stored, committed);
                }
            }

            foreach (StreamState stream in _touched)
            {
                stream.Touched = false;
            }

            _touched.Clear();
            foreach (AppendRequest request in _batch)
            {
                request.TrySetResult(request.Result);
            }
        }

        private StreamState? FindStream(string name)
        {
            if (_streams.TryGetValue(name, out StreamState? stream))
            {
                return stream;
            }

            _findStreamName.Value = name;
            using SqliteDataReader reader = _findStream.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            stream = new StreamState(name, reader.GetInt64(0))
            {
                Last = reader.GetInt64(1),
                First = reader.IsDBNull(2) ? null : reader.GetInt64(2),
            };
            _streams.Add(name, stream);
            return stream;
        }

        private StreamState CreateStream(string name)
        {
            _createStreamName.Value = name;
            long id = Convert.ToInt64(_createStream.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            StreamState stream = new(name, id);
            _streams.Add(name, stream);
            return stream;
        }

        private void InsertEvent(long streamId, long id, EventData e)
        {
            try
            {
                _insertEvent.BindInt64(1, streamId);
                _insertEvent.BindInt64(2, id);
                if (e.EventType is null)
                {
                    _insertEvent.BindNull(3);
                }
                else
                {
                    // Events of a batch mostly share one type: encode it once, not once per event.
                    if (!string.Equals(e.EventType, _lastType, StringComparison.Ordinal))
                    {
                        _lastTypeUtf8 = System.Text.Encoding.UTF8.GetBytes(e.EventType);
                        _lastType = e.EventType;
                    }

                    _insertEvent.BindText(3, _lastTypeUtf8);
                }

                _insertEvent.BindBlob(4, e.Data.Span);
                _insertEvent.Step();
            }
            finally
            {
                _insertEvent.Reset();
            }
        }

        private SqliteCommand Command(string sql)
        {
            SqliteCommand command = _connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }
    }

    /// <summary>The writer's cached view of one stream's row and retained range.</summary>
    private sealed class StreamState(string name, long id)
    {
        public string Name { get; } = name;

        public long Id { get; } = id;

        public long Last { get; set; }

        public long? First { get; set; }

        public bool Touched { get; set; }
    }
}
