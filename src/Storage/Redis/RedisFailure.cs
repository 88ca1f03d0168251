using StackExchange.Redis;

namespace Castd.Storage.Redis;

internal static class RedisFailure
{
    /// <summary>Connection failures, timeouts and server refusals (CLUSTERDOWN, LOADING, TRYAGAIN) alike: Redis could
    /// not do it now; a caller answers 503 and the next attempt may well succeed.</summary>
    public static bool Is(Exception e) => e is RedisException or RedisTimeoutException
        || e is AggregateException { InnerExceptions: var inner } && inner.All(Is);

    public static StorageException Of(string operation, Exception e)
    {
        var cause = e is AggregateException aggregate ? aggregate.InnerExceptions[0] : e;
        // StackExchange.Redis appends a long connection dump after ';': the first clause says what happened.
        var reason = cause.Message.Split(';', 2)[0];
        return new StorageException($"Redis failed to {operation}: {reason}", cause, unavailable: true);
    }
}
