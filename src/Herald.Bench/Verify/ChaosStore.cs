namespace Herald.Bench.Verify;

/// <summary>The store a chaos run puts under its server: one node on a SQLite file, or two nodes on one redis-server.</summary>
internal enum ChaosStore
{
    Sqlite,
    Redis,
}
