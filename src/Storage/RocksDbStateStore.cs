using System.Buffers.Binary;
using System.Text;
using RocksDbSharp;

namespace Castd.Storage;

/// <summary>The embedded <see cref="IStateStore"/>: one RocksDB database in castd's state directory.</summary>
/// <remarks>
/// Column family <c>users</c>: key = user id (UTF-8), value empty.
/// Column family <c>usage</c>: key = user id (UTF-8) <c>\0</c> bucket (u64 big-endian) channel (UTF-8),
/// value = milliseconds (u64 little-endian). A user id never contains <c>\0</c> and big-endian buckets sort
/// numerically, so one user's buckets form one contiguous, time-ordered range that <c>user\0</c> prefixes
/// and <c>user-1</c> never reads <c>user-10</c>. Little-endian is the encoding of RocksDB's own
/// <c>uint64add</c> merge operator, so moving to merges later needs no migration.
/// Writes skip fsync: once a write returns it is in the WAL in the page cache, which survives castd being
/// killed (kill -9, crash), though not a power cut; SPEC §4 bounds the loss by the flush interval anyway.
/// </remarks>
public sealed class RocksDbStateStore : IStateStore
{
    private const string UsersFamily = "users";
    private const string UsageFamily = "usage";
    private const byte Separator = 0;
    private const int BucketBytes = sizeof(ulong);

    // Prune deletes in batches of this many keys so a prune after a long outage does not build one huge
    // batch: 4096 keys of ~60 bytes is ~250 KB per write.
    private const int PruneBatchKeys = 4096;

    // Usage for 10k viewers is ~10k keys of ~60 bytes per one-minute bucket, ~600 KB; 4 MiB keeps several
    // minutes in memory while bounding what start-up replays from the WAL.
    private const ulong WriteBufferBytes = 4 << 20;

    // RocksDB keeps one info LOG per start; a few are enough to diagnose the last restarts.
    private const ulong KeptInfoLogs = 3;

    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle _users;
    private readonly ColumnFamilyHandle _usage;
    private readonly WriteOptions _writeOptions = new WriteOptions().SetSync(false);

    // Serialises the read-modify-write of AddUsage (and PruneUsage, so a prune cannot race a sum into
    // resurrecting a bucket it just deleted). Reads need no lock: RocksDB reads are consistent snapshots.
    private readonly Lock _usageLock = new();
    private bool _disposed;

    private RocksDbStateStore(RocksDb db)
    {
        _db = db;
        _users = db.GetColumnFamily(UsersFamily);
        _usage = db.GetColumnFamily(UsageFamily);
    }

    /// <summary>Opens (creating if missing) the store in <paramref name="directory"/>.</summary>
    /// <exception cref="StorageException">
    /// The directory cannot be created or written, is a file, or holds a database that is corrupted or
    /// already open in another process. The message names the path and the reason.
    /// </exception>
    public static RocksDbStateStore Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var path = Path.GetFullPath(directory);
        CreateDirectory(path);

        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetKeepLogFileNum(KeptInfoLogs);
        var families = new ColumnFamilies
        {
            { UsersFamily, new ColumnFamilyOptions().SetWriteBufferSize(WriteBufferBytes) },
            { UsageFamily, new ColumnFamilyOptions().SetWriteBufferSize(WriteBufferBytes) },
        };

        try
        {
            return new RocksDbStateStore(RocksDb.Open(options, path, families));
        }
        catch (RocksDbException e)
        {
            throw OpenFailed(path, e);
        }
    }

    public bool Register(string userId)
    {
        var key = UserKey(userId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            if (_db.Get(key, _users) is not null)
            {
                return false;
            }

            // Two racing first registrations both write the same empty value; both say "new", which is harmless.
            _db.Put(key, Array.Empty<byte>(), _users, _writeOptions);
            return true;
        }
        catch (RocksDbException e)
        {
            throw Failed("register a user", e);
        }
    }

    public bool IsRegistered(string userId)
    {
        var key = UserKey(userId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return _db.Get(key, _users) is not null;
        }
        catch (RocksDbException e)
        {
            throw Failed("read a registration", e);
        }
    }

    /// <remarks>One WriteBatch: a failed write wrote nothing, so a retry needs no <paramref name="batchId"/>.</remarks>
    public void AddUsage(IReadOnlyList<UsageRecord> records, long batchId)
    {
        ArgumentNullException.ThrowIfNull(records);

        // Sum repeated keys first (validating everything) so the batch holds each key once and a bad record
        // rejects the whole call before anything is written.
        var sums = new Dictionary<(string UserId, long Bucket, string Channel), long>();
        foreach (var record in records)
        {
            ValidateUserId(record.UserId);
            ArgumentNullException.ThrowIfNull(record.Channel, nameof(records));
            ArgumentOutOfRangeException.ThrowIfNegative(record.Bucket, nameof(records));
            ArgumentOutOfRangeException.ThrowIfNegative(record.Milliseconds, nameof(records));
            var key = (record.UserId, record.Bucket, record.Channel);
            sums[key] = sums.GetValueOrDefault(key) + record.Milliseconds;
        }

        if (sums.Count == 0)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        using var batch = new WriteBatch();
        lock (_usageLock)
        {
            try
            {
                foreach (var ((userId, bucket, channel), milliseconds) in sums)
                {
                    var key = UsageKey(userId, bucket, channel);
                    var current = _db.Get(key, _usage);
                    var total = (current is null ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(current)) + (ulong)milliseconds;
                    BinaryPrimitives.WriteUInt64LittleEndian(value, total);
                    batch.Put(key, value, _usage);
                }

                // One batch is one WAL record: after a crash all of it is there or none of it.
                _db.Write(batch, _writeOptions);
            }
            catch (RocksDbException e)
            {
                throw Failed("add usage", e);
            }
        }
    }

    public IReadOnlyDictionary<string, long> GetUsage(string userId, long sinceBucket)
    {
        var prefix = UsagePrefix(userId);
        var start = new byte[prefix.Length + BucketBytes];
        prefix.CopyTo(start, 0);
        BinaryPrimitives.WriteUInt64BigEndian(start.AsSpan(prefix.Length), (ulong)Math.Max(sinceBucket, 0));

        ObjectDisposedException.ThrowIf(_disposed, this);
        var usage = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var iterator = _db.NewIterator(_usage);
            for (iterator.Seek(start); iterator.Valid(); iterator.Next())
            {
                var key = iterator.GetKeySpan();
                if (!key.StartsWith(prefix))
                {
                    break;
                }

                var channel = Encoding.UTF8.GetString(key[(prefix.Length + BucketBytes)..]);
                var milliseconds = (long)BinaryPrimitives.ReadUInt64LittleEndian(iterator.GetValueSpan());
                usage[channel] = usage.GetValueOrDefault(channel) + milliseconds;
            }
        }
        catch (RocksDbException e)
        {
            throw Failed("read usage", e);
        }

        return usage;
    }

    public int PruneUsage(long beforeBucket)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var pruned = 0;
        lock (_usageLock)
        {
            try
            {
                var batch = new WriteBatch();
                try
                {
                    using var iterator = _db.NewIterator(_usage);
                    for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
                    {
                        var key = iterator.GetKeySpan();
                        var bucket = BinaryPrimitives.ReadUInt64BigEndian(key[(key.IndexOf(Separator) + 1)..]);
                        if (bucket >= (ulong)Math.Max(beforeBucket, 0))
                        {
                            continue;
                        }

                        batch.Delete(key, _usage);
                        pruned++;
                        if (batch.Count() == PruneBatchKeys)
                        {
                            _db.Write(batch, _writeOptions);
                            batch.Dispose();
                            batch = new WriteBatch();
                        }
                    }

                    _db.Write(batch, _writeOptions);
                }
                finally
                {
                    batch.Dispose();
                }
            }
            catch (RocksDbException e)
            {
                throw Failed("prune usage", e);
            }
        }

        return pruned;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        // The WAL already holds every acknowledged write, so closing without flushing memtables loses nothing.
        _disposed = true;
        _db.Dispose();
    }

    private static void CreateDirectory(string path)
    {
        // .NET reports a file in the way as "could not find a part of the path"; name the file instead.
        for (var ancestor = path; ancestor is not null; ancestor = Path.GetDirectoryName(ancestor))
        {
            if (File.Exists(ancestor))
            {
                throw new StorageException(ancestor == path
                    ? $"State directory {path} is a file, not a directory."
                    : $"Cannot create state directory {path}: {ancestor} is a file, not a directory.");
            }
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"Cannot create state directory {path}: {e.Message}", e);
        }
    }

    private static StorageException OpenFailed(string path, RocksDbException e)
    {
        // RocksDB reports a Status string ("IO error: ...", "Corruption: ..."); classify it for the operator
        // and keep it verbatim as the underlying reason. Permissions come first: a LOCK file that cannot be
        // created mentions LOCK too.
        var reason = e.Message;
        var message = reason switch
        {
            _ when reason.Contains("Read-only file system", StringComparison.Ordinal) || reason.Contains("Permission denied", StringComparison.Ordinal) =>
                $"State directory {path} is not writable. {reason}",
            // "While lock file" when another process holds it, "lock hold by current process" when this one does.
            _ when reason.Contains("While lock file", StringComparison.Ordinal) || reason.Contains("lock hold by", StringComparison.Ordinal) =>
                $"State database in {path} is locked: another castd (or another process) has it open. {reason}",
            // A MANIFEST that CURRENT names but that is missing is as fatal as a corrupted one.
            _ when reason.StartsWith("Corruption", StringComparison.Ordinal) || reason.Contains("MANIFEST", StringComparison.Ordinal) =>
                $"State database in {path} is corrupted or incomplete; restore it from a backup or move it aside to start empty. {reason}",
            _ => $"Cannot open state database in {path}: {reason}",
        };
        return new StorageException(message, e);
    }

    private static StorageException Failed(string operation, RocksDbException e) =>
        new($"State store failed to {operation}: {e.Message}", e);

    private static void ValidateUserId(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (userId.Contains('\0', StringComparison.Ordinal))
        {
            // The separator in usage keys; allowing it would let one user's range overlap another's.
            throw new ArgumentException("A user id cannot contain NUL.", nameof(userId));
        }
    }

    private static byte[] UserKey(string userId)
    {
        ValidateUserId(userId);
        return Encoding.UTF8.GetBytes(userId);
    }

    private static byte[] UsagePrefix(string userId)
    {
        ValidateUserId(userId);
        var key = new byte[Encoding.UTF8.GetByteCount(userId) + 1];
        Encoding.UTF8.GetBytes(userId, key);
        key[^1] = Separator;
        return key;
    }

    private static byte[] UsageKey(string userId, long bucket, string channel)
    {
        var userBytes = Encoding.UTF8.GetByteCount(userId);
        var key = new byte[userBytes + 1 + BucketBytes + Encoding.UTF8.GetByteCount(channel)];
        Encoding.UTF8.GetBytes(userId, key);
        key[userBytes] = Separator;
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(userBytes + 1), (ulong)bucket);
        Encoding.UTF8.GetBytes(channel, key.AsSpan(userBytes + 1 + BucketBytes));
        return key;
    }
}
