using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Herald;

public sealed partial class SqliteEventLog
{
    private static class Schema
    {
        // Version 1. `streams.last` is the truth for IDs: rows trimmed by retention never let an ID be given twice.
        private const string CreateV1 = """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE streams(stream_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, last INTEGER NOT NULL);
            CREATE TABLE events(stream_id INTEGER NOT NULL, id INTEGER NOT NULL, type TEXT, data BLOB NOT NULL, PRIMARY KEY(stream_id, id)) WITHOUT ROWID;
            CREATE TABLE idempotency(stream_id INTEGER NOT NULL, key TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY(stream_id, key)) WITHOUT ROWID;
            CREATE INDEX idempotency_expires ON idempotency(expires);
            """;

        /// <summary>Creates the schema on an empty file, refuses a newer one, and returns the store's epoch.</summary>
        public static string EnsureCreated(SqliteConnection connection, string path)
        {
            // IMMEDIATE: two processes opening a new file at once must not both create the schema and the epoch.
            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            long version = Scalar<long>(connection, transaction, "PRAGMA user_version");
            if (version > SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"The Herald store '{path}' has schema version {version}, newer than the version {SchemaVersion} this build reads. " +
                    "It was written by a newer Herald: run that version, or point this one at another file.");
            }

            string epoch;
            if (version == 0)
            {
                epoch = Guid.NewGuid().ToString("D");
                Execute(connection, transaction, CreateV1);
                using (SqliteCommand insert = Command(connection, transaction, "INSERT INTO meta(key, value) VALUES ('epoch', $epoch)"))
                {
                    insert.Parameters.AddWithValue("$epoch", epoch);
                    insert.ExecuteNonQuery();
                }

                Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version={SchemaVersion}"));
            }
            else
            {
                epoch = Scalar<string?>(connection, transaction, "SELECT value FROM meta WHERE key = 'epoch'")
                    ?? throw new InvalidOperationException($"The Herald store '{path}' has no epoch in its meta table; the file is damaged or not a Herald store.");
            }

            transaction.Commit();
            return epoch;
        }

        private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
        {
            SqliteCommand command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }

        private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
        {
            using SqliteCommand command = Command(connection, transaction, sql);
            command.ExecuteNonQuery();
        }

        private static T Scalar<T>(SqliteConnection connection, SqliteTransaction transaction, string sql)
        {
            using SqliteCommand command = Command(connection, transaction, sql);
            object? value = command.ExecuteScalar();
            return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
        }
    }
}
