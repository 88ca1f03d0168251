using StackExchange.Redis;

namespace Castd.Storage.Redis;

/// <summary>
/// Every key castd keeps in Redis. A user's keys all carry the <c>{user}</c> hash tag, so on a cluster they share one
/// hash slot and one Lua script can update them together (user ids cannot contain braces: UserIds' rule).
/// </summary>
internal static class RedisKeys
{
    /// <summary>String, present once the user has registered.</summary>
    public static RedisKey Registration(string user) => $"castd:{{{user}}}:user";

    /// <summary>Hash per user and hour: field <c>bucket:channel</c> → milliseconds; expires a day after the hour ends.</summary>
    public static RedisKey UsageHour(string user, long hour) => $"castd:{{{user}}}:usage:{hour}";

    /// <summary>Hash: writer (castd process) → the last usage batch of it applied to this user.</summary>
    public static RedisKey UsageApplied(string user) => $"castd:{{{user}}}:usage:applied";

    /// <summary>Sorted set: active session id → lease expiry (Unix ms, Redis' clock).</summary>
    public static RedisKey LiveSessions(string account) => $"castd:{{{account}}}:live";

    /// <summary>Sorted set: HTTP sessions refused by the limit → lease expiry, so their heartbeat can say DROPPED.</summary>
    public static RedisKey DroppedSessions(string account) => $"castd:{{{account}}}:dropped";

    /// <summary>Hash: session id → <see cref="RedisSessionRecord"/> text.</summary>
    public static RedisKey SessionRecords(string account) => $"castd:{{{account}}}:sessions";

    /// <summary>Sorted set: chat connection id → lease expiry.</summary>
    public static RedisKey ChatClaims(string handle) => $"castd:{{{handle}}}:chat";

    /// <summary>Pub/sub channel of a handle's or a room's chat (sharded on a cluster: the slot of the name).</summary>
    public static string ChatChannel(Chat.ChatTopic topic, string name) =>
        topic == Chat.ChatTopic.User ? $"castd:chat:user:{{{name}}}" : $"castd:chat:room:{{{name}}}";
}
