namespace Herald;

public sealed partial class RedisEventLog
{
    // The append, in one atomic step on the Redis server (docs/design.md). Loaded once with SCRIPT LOAD, called by SHA.
    // KEYS: 1 the stream (Redis Stream), 2 its counter, 3 its committed mark, 4 (optional) the idempotency key.
    // ARGV: 1 floor (the highest ID this node saw on the stream), 2 retention, 3 trim slack, 4 now (ms, from the store's
    //       clock), 5 idempotency window (ms), 6 event count, 7 the change-feed channel to announce the append on ('' for
    //       none: the node waits for replicas, then commits and announces it itself with CommitScript), then (type, data)
    //       per event, type '' for none.
    // Returns {first, last, replayed, regressed}.
    // The committed mark is the last ID readers may see (docs/design.md "Replicas"): without replicas to wait for, every
    // append is committed as it runs; with them, only once a replica holds it, so the script only creates the mark (at the
    // IDs before this append) and CommitScript moves it after WAIT. An append of zero events writes nothing but the
    // counter, which gives WAIT a write to wait for: ConfirmAsync uses it to commit what a failed or lost commit left.
    // Lua numbers are doubles: IDs are exact up to 2^53, far beyond any stream's life, and are written with %.0f because
    // tostring() would switch to exponent notation.
    // An idempotency key holds "first:last:expiresAtMs". Its expiry is checked against the store's clock (ARGV[4]), so a
    // TimeProvider governs it as in every store; PX only lets Redis drop the key once the window has passed in real time.
    private const string AppendScript = """
        local floor = tonumber(ARGV[1])
        local now = tonumber(ARGV[4])
        local waits = ARGV[7] == ''
        if KEYS[4] then
          local prev = redis.call('GET', KEYS[4])
          if prev then
            local a, b, e = string.match(prev, '^(%d+):(%d+):(%d+)$')
            if a and tonumber(e) > now then
              if waits then
                -- A write of this connection, so that its WAIT covers the original append (another connection's write).
                redis.call('SET', KEYS[4], prev, 'KEEPTTL')
              end
              return {a, b, 1, 0}
            end
          end
        end
        local last = tonumber(redis.call('GET', KEYS[2]) or '0')
        if last == 0 then
          -- A missing counter with a non-empty log (a key lost by hand): continue after the log's head, never below it.
          local head = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
          if head[1] then
            last = tonumber(string.match(head[1][1], '^(%d+)'))
          end
        end
        if waits then
          redis.call('SET', KEYS[3], string.format('%.0f', last), 'NX')
        end
        local regressed = 0
        if last < floor then
          last = floor
          regressed = 1
        end
        local first = last + 1
        local n = tonumber(ARGV[6])
        last = first + n - 1
        local log = KEYS[1]
        local call = redis.call
        local i = 8
        for id = first, last do
          -- A number argument reaches Redis as its digits (%.17g: no exponent below 1e17), and XADD reads "<n>" as "<n>-0":
          -- no ID string is built in Lua per event.
          local t = ARGV[i]
          if t == '' then
            call('XADD', log, id, 'data', ARGV[i + 1])
          else
            call('XADD', log, id, 'type', t, 'data', ARGV[i + 1])
          end
          i = i + 2
        end
        local firstText = string.format('%.0f', first)
        local lastText = string.format('%.0f', last)
        redis.call('SET', KEYS[2], lastText)
        if not waits then
          redis.call('SET', KEYS[3], lastText)
        end
        if KEYS[4] then
          redis.call('SET', KEYS[4], firstText .. ':' .. lastText .. ':' .. string.format('%.0f', now + tonumber(ARGV[5])), 'PX', ARGV[5])
        end
        local retention = tonumber(ARGV[2])
        if redis.call('XLEN', KEYS[1]) > retention + tonumber(ARGV[3]) then
          redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', last - retention + 1))
        end
        if not waits then
          -- Sharded pub/sub: the channel carries the stream's hash tag, so it lives on the stream's own Cluster shard and
          -- reaches only the nodes that watch the stream. The message is the new last ID: "read up to here".
          redis.call('SPUBLISH', ARGV[7], lastText)
        end
        return {firstText, lastText, 0, regressed}
        """;

    // A page of the log bounded in bytes (docs/protocol.md "Limits"): XRANGE after ARGV[1] (exclusive), at most ARGV[2] entries,
    // whose data adds up to at most ARGV[3] bytes (the first entry always), so the node never receives more than that; with
    // KEYS[2] (the committed mark, when the node waits for replicas), no entry past the mark. Returns the entries as XRANGE
    // does. Keys of one stream: Cluster-safe.
    private const string ReadPageScript = """
        local stop = '+'
        if KEYS[2] then
          local committed = redis.call('GET', KEYS[2])
          if committed then
            stop = committed .. '-0'
          end
        end
        local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1] .. '-0', stop, 'COUNT', ARGV[2])
        local budget = tonumber(ARGV[3])
        local bytes = 0
        for i = 1, #entries do
          local fields = entries[i][2]
          for f = 1, #fields, 2 do
            if fields[f] == 'data' then
              bytes = bytes + #fields[f + 1]
            end
          end
          if bytes > budget and i > 1 then
            local page = {}
            for j = 1, i - 1 do
              page[j] = entries[j]
            end
            return page
          end
        end
        return entries
        """;

    // After the replicas confirmed an append (WAIT): moves the stream's committed mark (KEYS[1]) up to ARGV[1], never down,
    // and announces it on the change-feed channel ARGV[2], in one step, so that no node is told of an append readers cannot
    // see yet. The channel shares the stream's hash tag: Cluster-safe.
    private const string CommitScript = """
        local committed = tonumber(redis.call('GET', KEYS[1]) or '0')
        if committed < tonumber(ARGV[1]) then
          redis.call('SET', KEYS[1], ARGV[1])
        end
        redis.call('SPUBLISH', ARGV[2], ARGV[1])
        return 1
        """;
}
