namespace Castd.Storage;

/// <summary>
/// Everything castd keeps beyond one process lifetime: registrations and watch-time buckets (docs/http.md).
/// The only storage surface the daemon sees, so a fleet store (Redis, docs/fleet.md) can replace the embedded
/// RocksDB one without anything above it changing.
/// </summary>
/// <remarks>
/// Implementations are thread-safe and asynchronous end to end: a network store never holds a thread for a round trip;
/// the embedded store answers from RocksDB's block cache and completes synchronously. Failures surface as
/// <see cref="StorageException"/>.
/// </remarks>
public interface IStateStore : IDisposable
{
    /// <summary>Registers a user; idempotent. Durable when it completes. True if the user is new.</summary>
    ValueTask<bool> RegisterAsync(string userId);

    ValueTask<bool> IsRegisteredAsync(string userId);

    /// <summary>Adds watch time to buckets, durable when it completes.</summary>
    /// <param name="batchId">The writer's number for this batch, the same on every retry of it and larger for each new
    /// batch. A store whose failed write may still have landed (a network store) applies each number at most once per
    /// writer, so a retry never counts watch time twice.</param>
    ValueTask AddUsageAsync(IReadOnlyList<UsageRecord> records, long batchId);

    /// <summary>Milliseconds watched per channel, summed over the buckets that start at or after <paramref name="sinceBucket"/>.</summary>
    ValueTask<IReadOnlyDictionary<string, long>> GetUsageAsync(string userId, long sinceBucket);

    /// <summary>Deletes buckets that start before <paramref name="beforeBucket"/>; returns how many (0 for a store that expires them itself).</summary>
    ValueTask<int> PruneUsageAsync(long beforeBucket);
}
