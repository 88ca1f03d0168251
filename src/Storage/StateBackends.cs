using Castd.Storage.Embedded;
using Castd.Storage.Redis;

namespace Castd.Storage;

public static class StateBackends
{
    /// <summary>Redis when <see cref="StateBackendOptions.Redis"/> is set, else the embedded store.</summary>
    /// <exception cref="StorageException">The embedded store cannot be opened, or the Redis configuration is malformed.
    /// An unreachable Redis is not an error here: castd starts, reports it at /readyz and connects when it can.</exception>
    public static async Task<IStateBackend> OpenAsync(StateBackendOptions options) =>
        string.IsNullOrWhiteSpace(options.Redis) ? EmbeddedBackend.Open(options) : await RedisBackend.ConnectAsync(options);
}
