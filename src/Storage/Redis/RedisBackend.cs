using Castd.Storage.Chat;
using Castd.Storage.Sessions;
using StackExchange.Redis;

namespace Castd.Storage.Redis;

/// <summary>
/// Fleet-wide state (docs/fleet.md, CASTD_REDIS): one connection multiplexer for registrations, usage, sessions and chat,
/// against a standalone Redis or a Redis Cluster alike (StackExchange.Redis routes each key to its slot's node).
/// </summary>
internal sealed class RedisBackend : IStateBackend
{
    /// <summary>A request while its node is unreachable fails at once (castd answers 503) rather than waiting in
    /// StackExchange.Redis' backlog; 2 s bounds a node that accepts but does not answer.</summary>
    private const int DefaultTimeoutMs = 2000;

    private readonly ConnectionMultiplexer _redis;
    private readonly RedisSessionStore _sessions;
    private readonly RedisChatBus _chat;

    private RedisBackend(ConnectionMultiplexer redis, StateBackendOptions options)
    {
        _redis = redis;
        // Names this process among the fleet's writers: usage batch numbers and chat claims are per writer.
        var writer = Guid.NewGuid().ToString("N")[..12];
        State = new RedisStateStore(redis.GetDatabase(), writer);
        _sessions = new RedisSessionStore(redis.GetDatabase(), writer, options.MaxStreamsPerUser, options.SessionTtl, options.Time);
        _chat = new RedisChatBus(redis, writer, options.SessionTtl, options.Time);
    }

    public IStateStore State { get; }

    public ISessionStore Sessions => _sessions;

    public IChatBus Chat => _chat;

    public string? Problem
    {
        get
        {
            var down = _redis.GetServers().Where(s => !s.IsReplica && !s.IsConnected).Select(s => s.EndPoint.ToString()).ToList();
            return !_redis.IsConnected ? "redis: no node reachable"
                : down.Count > 0 ? $"redis: {string.Join(", ", down)} unreachable"
                : null;
        }
    }

    /// <exception cref="StorageException">The configuration string is malformed.</exception>
    public static async Task<RedisBackend> ConnectAsync(StateBackendOptions options)
    {
        var text = options.Redis!;
        ConfigurationOptions config;
        try
        {
            config = ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new StorageException($"CASTD_REDIS={text}: {e.Message}", e);
        }
        // castd starts with Redis down (readyz says so) and connects once it is back.
        config.AbortOnConnectFail = false;
        config.BacklogPolicy = BacklogPolicy.FailFast;
        // A restarted node is found again within a second or so, and a long outage is polled every 5 s at most.
        config.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        if (!text.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            config.SyncTimeout = DefaultTimeoutMs;
        }
        if (!text.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            config.AsyncTimeout = DefaultTimeoutMs;
        }
        config.ClientName ??= "castd";
        return new RedisBackend(await ConnectionMultiplexer.ConnectAsync(config), options);
    }

    public async ValueTask DisposeAsync()
    {
        await _sessions.DisposeAsync();
        await _chat.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
