using RocksDbSharp;

namespace Castd.Storage.Embedded;

/// <summary>The embedded <see cref="IStateStore"/>: registrations and usage buckets in one RocksDB database in castd's
/// state directory (key schema: <see cref="RocksDbKeys"/>; handle and recovery: <see cref="RecoveringDatabase"/>).</summary>
/// <remarks>
/// RocksDB answers from its block cache in microseconds, so every call completes synchronously. A usage batch (one
/// write per flush interval) syncs the WAL, which makes it and every write before it survive an OS crash, a power cut
/// or a file system that fails and goes read-only. Registrations skip the sync, so a burst of them does not wait on the
/// disk: once one returns it is in the WAL in the page cache, which survives castd being killed, and reaches the disk
/// with the next batch.
/// </remarks>
public sealed class RocksDbStateStore : IStateStore
{
    /// <summary>
    /// Usage for 10k viewers is ~10k keys of ~60 bytes per one-minute bucket, ~600 KB; 4 MiB keeps several minutes
    /// in memory while bounding what start-up replays from the WAL.
    /// </summary>
    public const int DefaultWriteBufferBytes = 4 << 20;

    /// <summary>Prune deletes in batches of this many keys so a prune after a long outage does not build one huge
    /// batch: 4096 keys of ~60 bytes is ~250 KB per write.</summary>
    private const int PruneBatchKeys = 4096;

    private readonly RecoveringDatabase _database;

    // Serialises the read-modify-write of AddUsage (and PruneUsage, so a prune cannot race a sum into resurrecting a
    // bucket it just deleted). Reads need no lock: RocksDB reads are consistent snapshots.
    private readonly Lock _usageLock = new();

    private RocksDbStateStore(RecoveringDatabase database) => _database = database;

    /// <summary>How long a store whose writes failed waits before each attempt to reopen its database.</summary>
    public static TimeSpan RecoveryInterval => RecoveringDatabase.RecoveryInterval;

    /// <summary>Why writes fail right now and since when, or null while they succeed.</summary>
    public string? Problem => _database.Problem;

    /// <summary>Opens (creating if missing) the store in <paramref name="directory"/>.</summary>
    /// <exception cref="StorageException">The directory or database cannot be used; the message names the path and why.</exception>
    public static RocksDbStateStore Open(string directory, int writeBufferBytes = DefaultWriteBufferBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writeBufferBytes, 64 << 10);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return new RocksDbStateStore(RecoveringDatabase.Open(directory, writeBufferBytes));
    }

    public ValueTask<bool> RegisterAsync(string userId) => ValueTask.FromResult(Register(userId));

    public ValueTask<bool> IsRegisteredAsync(string userId) => ValueTask.FromResult(IsRegistered(userId));

    public ValueTask AddUsageAsync(IReadOnlyList<UsageRecord> records, long batchId)
    {
        AddUsage(records);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyDictionary<string, long>> GetUsageAsync(string userId, long sinceBucket) =>
        ValueTask.FromResult(GetUsage(userId, sinceBucket));

    public ValueTask<int> PruneUsageAsync(long beforeBucket) => ValueTask.FromResult(PruneUsage(beforeBucket));

    public void Dispose() => _database.Dispose();

    private bool Register(string userId)
    {
        var key = RocksDbKeys.User(userId);
        using var db = _database.Enter();
        try
        {
            if (db.Db.Get(key, db.Users) is not null)
            {
                return false;
            }
        }
        catch (RocksDbException e)
        {
            throw RecoveringDatabase.Failed("read a registration", e);
        }
        try
        {
            // Two racing first registrations both write the same empty value; both say "new", which is harmless.
            db.Db.Put(key, Array.Empty<byte>(), db.Users, _database.Unsynced);
            return true;
        }
        catch (RocksDbException e)
        {
            throw _database.WriteFailed("register a user", e);
        }
    }

    private bool IsRegistered(string userId)
    {
        var key = RocksDbKeys.User(userId);
        using var db = _database.Enter();
        try
        {
            return db.Db.Get(key, db.Users) is not null;
        }
        catch (RocksDbException e)
        {
            throw RecoveringDatabase.Failed("read a registration", e);
        }
    }

    /// <remarks>One WriteBatch: a failed write wrote nothing, so a retry needs no batch id.</remarks>
    private void AddUsage(IReadOnlyList<UsageRecord> records)
    {
        var sums = UsageSums(records);
        if (sums.Count == 0)
        {
            return;
        }
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        using var batch = new WriteBatch();
        using var db = _database.Enter();
        lock (_usageLock)
        {
            try
            {
                foreach (var ((userId, bucket, channel), milliseconds) in sums)
                {
                    var key = RocksDbKeys.Usage(userId, bucket, channel);
                    var current = db.Db.Get(key, db.Usage);
                    RocksDbKeys.WriteMilliseconds(value, (current is null ? 0 : RocksDbKeys.ReadMilliseconds(current)) + (ulong)milliseconds);
                    batch.Put(key, value, db.Usage);
                }
            }
            catch (RocksDbException e)
            {
                throw RecoveringDatabase.Failed("read usage", e);
            }
            try
            {
                // One batch is one WAL record: after a crash all of it is there or none of it.
                db.Db.Write(batch, _database.Synced);
            }
            catch (RocksDbException e)
            {
                throw _database.WriteFailed("add usage", e);
            }
        }
    }

    /// <summary>Sums repeated keys (validating everything), so the batch holds each key once and a bad record rejects
    /// the whole call before anything is written.</summary>
    private static Dictionary<(string UserId, long Bucket, string Channel), long> UsageSums(IReadOnlyList<UsageRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var sums = new Dictionary<(string UserId, long Bucket, string Channel), long>();
        foreach (var record in records)
        {
            RocksDbKeys.Validate(record.UserId);
            ArgumentNullException.ThrowIfNull(record.Channel, nameof(records));
            ArgumentOutOfRangeException.ThrowIfNegative(record.Bucket, nameof(records));
            ArgumentOutOfRangeException.ThrowIfNegative(record.Milliseconds, nameof(records));
            var key = (record.UserId, record.Bucket, record.Channel);
            sums[key] = sums.GetValueOrDefault(key) + record.Milliseconds;
        }
        return sums;
    }

    private IReadOnlyDictionary<string, long> GetUsage(string userId, long sinceBucket)
    {
        var prefix = RocksDbKeys.UsagePrefix(userId);
        var usage = new Dictionary<string, long>(StringComparer.Ordinal);
        using var db = _database.Enter();
        try
        {
            using var iterator = db.Db.NewIterator(db.Usage);
            for (iterator.Seek(RocksDbKeys.UsageFrom(prefix, sinceBucket)); iterator.Valid(); iterator.Next())
            {
                var key = iterator.GetKeySpan();
                if (!key.StartsWith(prefix))
                {
                    break;
                }
                var channel = RocksDbKeys.ChannelOf(key, prefix.Length);
                usage[channel] = usage.GetValueOrDefault(channel) + (long)RocksDbKeys.ReadMilliseconds(iterator.GetValueSpan());
            }
        }
        catch (RocksDbException e)
        {
            throw RecoveringDatabase.Failed("read usage", e);
        }
        return usage;
    }

    private int PruneUsage(long beforeBucket)
    {
        var before = (ulong)Math.Max(beforeBucket, 0);
        var pruned = 0;
        using var db = _database.Enter();
        lock (_usageLock)
        {
            var batch = new WriteBatch();
            try
            {
                using var iterator = db.Db.NewIterator(db.Usage);
                for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
                {
                    var key = iterator.GetKeySpan();
                    if (RocksDbKeys.BucketOf(key) >= before)
                    {
                        continue;
                    }
                    batch.Delete(key, db.Usage);
                    pruned++;
                    if (batch.Count() == PruneBatchKeys)
                    {
                        db.Db.Write(batch, _database.Unsynced);
                        batch.Dispose();
                        batch = new WriteBatch();
                    }
                }
                db.Db.Write(batch, _database.Unsynced);
            }
            catch (RocksDbException e)
            {
                // Deletes only: a prune cut short leaves old buckets for the next one, nothing else.
                throw _database.WriteFailed("prune usage", e);
            }
            finally
            {
                batch.Dispose();
            }
        }
        return pruned;
    }
}
