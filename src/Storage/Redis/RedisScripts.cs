namespace Castd.Storage.Redis;

/// <summary>
/// The Lua scripts behind every multi-step update: one script is one atomic step on one hash slot, so the session
/// limit is exact fleet-wide under any interleaving. StackExchange.Redis sends each as EVALSHA once the server knows
/// it (one round trip), EVAL after a restart emptied the server's script cache. Time is Redis' clock (TIME), so edges
/// whose clocks disagree still agree on every lease.
/// </summary>
internal static class RedisScripts
{
    /// <summary>Shared prologue: <c>now</c> in Unix ms, and the expired leases of KEYS[1] (live) and KEYS[2] (dropped)
    /// removed together with their records in KEYS[3].</summary>
    private const string ExpireLeases = """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        for i = 1, 2 do
          local dead = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', now)
          if #dead > 0 then
            redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
            redis.call('HDEL', KEYS[3], unpack(dead))
          end
        end
        local function keep(ttl)
          for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 2) end
        end

        """;

    /// <summary>ARGV: id, kind (h/s), key, limit, ttl ms. Returns the session's record; an HTTP id already live is renewed
    /// (PUT is idempotent); a stream viewer over the limit is refused without being kept.</summary>
    public const string Open = ExpireLeases + """
        local ttl = tonumber(ARGV[5])
        local existing = redis.call('HGET', KEYS[3], ARGV[1])
        if existing then
          redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[1])
          redis.call('ZADD', KEYS[2], 'XX', now + ttl, ARGV[1])
          keep(ttl)
          return existing
        end
        local status = 'a'
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then status = 'd' end
        local record = status .. '|' .. ARGV[2] .. '|' .. now .. '|' .. ARGV[3]
        if status == 'd' and ARGV[2] == 's' then return record end
        redis.call('HSET', KEYS[3], ARGV[1], record)
        redis.call('ZADD', status == 'a' and KEYS[1] or KEYS[2], now + ttl, ARGV[1])
        keep(ttl)
        return record
        """;

    /// <summary>
    /// ARGV: id, ttl ms. Renews a live lease; nil when the session expired or never was. The hottest script (a player
    /// heartbeats every few seconds), so it looks at its own lease only: other sessions' expiry is settled by the next
    /// open or list, and only the keys this session lives in have their key expiry pushed on.
    /// </summary>
    public const string Heartbeat = """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        local k = 1
        local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not lease then
          k = 2
          lease = redis.call('ZSCORE', KEYS[2], ARGV[1])
        end
        if not lease then return nil end
        if tonumber(lease) <= now then
          redis.call('ZREM', KEYS[k], ARGV[1])
          redis.call('HDEL', KEYS[3], ARGV[1])
          return nil
        end
        local ttl = tonumber(ARGV[2])
        redis.call('ZADD', KEYS[k], now + ttl, ARGV[1])
        redis.call('PEXPIRE', KEYS[k], ttl * 2)
        redis.call('PEXPIRE', KEYS[3], ttl * 2)
        return redis.call('HGET', KEYS[3], ARGV[1])
        """;

    /// <summary>ARGV: id, ttl ms, record. A stream viewer's lease, renewed while it watches; put back if it ran out
    /// while Redis was unreachable, because the viewer kept watching all along.</summary>
    public const string Renew = ExpireLeases + """
        local ttl = tonumber(ARGV[2])
        redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
        redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
        keep(ttl)
        return 1
        """;

    /// <summary>ARGV: id. Ends a session at once; 1 if it was live.</summary>
    public const string Close = ExpireLeases + """
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return redis.call('HDEL', KEYS[3], ARGV[1])
        """;

    /// <summary>The account's live records (active and dropped) as a flat id/record array.</summary>
    public const string List = ExpireLeases + """
        return redis.call('HGETALL', KEYS[3])
        """;

    /// <summary>KEYS[1]: a handle's chat claims. ARGV: id, limit, ttl ms. 1 when the claim is held (new or renewed).</summary>
    public const string ClaimChat = """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
        return 1
        """;

    /// <summary>KEYS[1]: a handle's chat claims. Live claims whose id does not start with ARGV[1] (this process' prefix).</summary>
    public const string CountChatElsewhere = """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        local n = 0
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
          if string.sub(id, 1, #ARGV[1]) ~= ARGV[1] then n = n + 1 end
        end
        return n
        """;

    /// <summary>
    /// KEYS[1]: the user's applied-batch hash, KEYS[2..]: usage hours. ARGV: writer, batch, then per hour key its expiry
    /// (Unix s), then per record: hour key index (1-based among KEYS[2..]), field, ms. Applies the batch unless this
    /// writer's batch number here is already at least it (a retry of a write that landed). 1 if applied.
    /// </summary>
    public const string AddUsage = """
        local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
        if last >= tonumber(ARGV[2]) then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('EXPIRE', KEYS[1], 90000)
        local hours = #KEYS - 1
        for i = 3 + hours, #ARGV, 3 do
          redis.call('HINCRBY', KEYS[tonumber(ARGV[i]) + 1], ARGV[i + 1], ARGV[i + 2])
        end
        for i = 1, hours do redis.call('EXPIREAT', KEYS[i + 1], ARGV[2 + i]) end
        return 1
        """;

    /// <summary>KEYS: usage hours. Their fields and values, one flat array per key.</summary>
    public const string GetUsage = """
        local out = {}
        for i = 1, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
        return out
        """;
}
