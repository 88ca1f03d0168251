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
/// Default column family: <c>castd:write-probe</c> only, written when the store recovers from failed writes.
/// A usage batch (one write per flush interval) syncs the WAL, which makes it and every write before it survive
/// an OS crash, a power cut or a file system that fails and goes read-only (whose unwritten page cache is lost).
/// Registrations skip the sync, so a burst of them does not wait on the disk: once one returns it is in the WAL in
/// the page cache, which survives castd being killed (kill -9, crash), and reaches the disk with the next batch.
/// A failed write (disk full, file system turned read-only) leaves RocksDB refusing every later write even once the
/// disk is back, and this package's C API has no <c>Resume</c>: the store then reports <see cref="Problem"/> and
/// reopens the database every <see cref="RecoveryInterval"/> until a read-write open succeeds. Between attempts
/// reads go on, from the failed handle or, if the read-write open failed, from a read-only one. Callers keep what
/// failed and retry it; a failed write wrote nothing, so nothing is lost or counted twice.
/// </remarks>
public sealed class RocksDbStateStore : IStateStore
{
    private const string UsersFamily = "users";
    private const string UsageFamily = "usage";
    private const byte Separator = 0;
    private const int BucketBytes = sizeof(ulong);

    // In the default column family, apart from the data: when the last recovery proved the disk takes writes again.
    private static readonly byte[] WriteProbeKey = "castd:write-probe"u8.ToArray();

    // Prune deletes in batches of this many keys so a prune after a long outage does not build one huge
    // batch: 4096 keys of ~60 bytes is ~250 KB per write.
    private const int PruneBatchKeys = 4096;

    /// <summary>
    /// Usage for 10k viewers is ~10k keys of ~60 bytes per one-minute bucket, ~600 KB; 4 MiB keeps several minutes
    /// in memory while bounding what start-up replays from the WAL.
    /// </summary>
    public const int DefaultWriteBufferBytes = 4 << 20;

    // RocksDB keeps one info LOG per start; a few are enough to diagnose the last restarts.
    private const ulong KeptInfoLogs = 3;

    /// <summary>How long a store whose writes failed waits before each attempt to reopen its database.</summary>
    public static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly int _writeBufferBytes;
    private readonly WriteOptions _writeOptions = new WriteOptions().SetSync(false);
    private readonly WriteOptions _syncedWriteOptions = new WriteOptions().SetSync(true);

    // Guards the handle's lifetime, not the data: every operation holds it shared, a reopen holds it exclusively.
    private readonly ReaderWriterLockSlim _handleLock = new();
    private readonly Timer _recovery;
    private RocksDb? _db;
    private ColumnFamilyHandle? _users;
    private ColumnFamilyHandle? _usage;

    // Serialises the read-modify-write of AddUsage (and PruneUsage, so a prune cannot race a sum into
    // resurrecting a bucket it just deleted). Reads need no lock: RocksDB reads are consistent snapshots.
    private readonly Lock _usageLock = new();
    private volatile WriteFault? _fault;
    private bool _disposed;

    private RocksDbStateStore(string path, int writeBufferBytes, RocksDb db)
    {
        _path = path;
        _writeBufferBytes = writeBufferBytes;
        Attach(db);
        _recovery = new Timer(_ => Recover());
    }

    /// <summary>Why writes fail right now and since when, or null while they succeed.</summary>
    public string? Problem => _fault is { } fault
        ? $"writes to {_path} failing since {fault.Since:HH:mm:ss}Z: {fault.Error}{(fault.ReopenError is { } reopen ? $"; reopening failed: {reopen}" : "")}; retrying every {RecoveryInterval.TotalSeconds:0} s"
        : null;

    /// <summary>Opens (creating if missing) the store in <paramref name="directory"/>.</summary>
    /// <exception cref="StorageException">
    /// The directory cannot be created or written, is a file, or holds a database that is corrupted or
    /// already open in another process, or the disk is full. The message names the path and the reason.
    /// </exception>
    public static RocksDbStateStore Open(string directory, int writeBufferBytes = DefaultWriteBufferBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writeBufferBytes, 64 << 10);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var path = Path.GetFullPath(directory);
        CreateDirectory(path);
        try
        {
            return new RocksDbStateStore(path, writeBufferBytes, OpenDatabase(path, writeBufferBytes));
        }
        catch (RocksDbException e)
        {
            throw OpenFailed(path, e);
        }
    }

    private static RocksDb OpenDatabase(string path, int writeBufferBytes, bool readOnly = false)
    {
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetKeepLogFileNum(KeptInfoLogs);
        // The default family too: RocksDB preallocates each WAL file at 1.1 × the largest write buffer, and with the
        // default family's 64 MiB that took 70 MiB of a small disk, enough that a restart after a crash found no room.
        var families = new ColumnFamilies(new ColumnFamilyOptions().SetWriteBufferSize((ulong)writeBufferBytes))
        {
            { UsersFamily, new ColumnFamilyOptions().SetWriteBufferSize((ulong)writeBufferBytes) },
            { UsageFamily, new ColumnFamilyOptions().SetWriteBufferSize((ulong)writeBufferBytes) },
        };
        return readOnly ? RocksDb.OpenReadOnly(options, path, families, errIfLogFileExists: false) : RocksDb.Open(options, path, families);
    }

    private void Attach(RocksDb db)
    {
        _db = db;
        _users = db.GetColumnFamily(UsersFamily);
        _usage = db.GetColumnFamily(UsageFamily);
    }

    public bool Register(string userId)
    {
        var key = UserKey(userId);
        using var handle = Enter();
        try
        {
            if (_db!.Get(key, _users) is not null)
            {
                return false;
            }
        }
        catch (RocksDbException e)
        {
            throw Failed("read a registration", e);
        }

        try
        {
            // Two racing first registrations both write the same empty value; both say "new", which is harmless.
            _db.Put(key, Array.Empty<byte>(), _users, _writeOptions);
            return true;
        }
        catch (RocksDbException e)
        {
            throw WriteFailed("register a user", e);
        }
    }

    public bool IsRegistered(string userId)
    {
        var key = UserKey(userId);
        using var handle = Enter();
        try
        {
            return _db!.Get(key, _users) is not null;
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

        Span<byte> value = stackalloc byte[sizeof(ulong)];
        using var batch = new WriteBatch();
        using var handle = Enter();
        lock (_usageLock)
        {
            try
            {
                foreach (var ((userId, bucket, channel), milliseconds) in sums)
                {
                    var key = UsageKey(userId, bucket, channel);
                    var current = _db!.Get(key, _usage);
                    var total = (current is null ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(current)) + (ulong)milliseconds;
                    BinaryPrimitives.WriteUInt64LittleEndian(value, total);
                    batch.Put(key, value, _usage);
                }
            }
            catch (RocksDbException e)
            {
                throw Failed("read usage", e);
            }

            try
            {
                // One batch is one WAL record: after a crash all of it is there or none of it.
                _db!.Write(batch, _syncedWriteOptions);
            }
            catch (RocksDbException e)
            {
                throw WriteFailed("add usage", e);
            }
        }
    }

    public IReadOnlyDictionary<string, long> GetUsage(string userId, long sinceBucket)
    {
        var prefix = UsagePrefix(userId);
        var start = new byte[prefix.Length + BucketBytes];
        prefix.CopyTo(start, 0);
        BinaryPrimitives.WriteUInt64BigEndian(start.AsSpan(prefix.Length), (ulong)Math.Max(sinceBucket, 0));

        var usage = new Dictionary<string, long>(StringComparer.Ordinal);
        using var handle = Enter();
        try
        {
            using var iterator = _db!.NewIterator(_usage);
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
        var pruned = 0;
        using var handle = Enter();
        lock (_usageLock)
        {
            try
            {
                var batch = new WriteBatch();
                try
                {
                    using var iterator = _db!.NewIterator(_usage);
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
                // Deletes only: a prune cut short leaves old buckets for the next one, nothing else.
                throw WriteFailed("prune usage", e);
            }
        }

        return pruned;
    }

    public void Dispose()
    {
        _handleLock.EnterWriteLock();
        try
        {
            if (_disposed)
            {
                return;
            }

            // The WAL already holds every acknowledged write, so closing without flushing memtables loses nothing.
            _disposed = true;
            _recovery.Dispose();
            _db?.Dispose();
            _db = null;
        }
        finally
        {
            _handleLock.ExitWriteLock();
        }
    }

    /// <summary>Holds the handle open for one operation; throws when there is none to use.</summary>
    private HandleLease Enter()
    {
        _handleLock.EnterReadLock();
        if (_disposed || _db is null)
        {
            var disposed = _disposed;
            _handleLock.ExitReadLock();
            ObjectDisposedException.ThrowIf(disposed, this);
            throw new StorageException($"State store is closed until it can be reopened: {Problem}", unavailable: true);
        }
        return new HandleLease(_handleLock);
    }

    private readonly ref struct HandleLease(ReaderWriterLockSlim handleLock)
    {
        public void Dispose() => handleLock.ExitReadLock();
    }

    /// <param name="ReopenError">Why the last reopen failed, if one was tried.</param>
    private void TryAttachReadOnly()
    {
        try
        {
            Attach(OpenDatabase(_path, _writeBufferBytes, readOnly: true));
        }
        catch (RocksDbException)
        {
            // Nothing to read from either: operations fail with the problem until a reopen succeeds.
        }
    }

    private sealed record WriteFault(DateTime Since, string Error, string? ReopenError = null);

    private StorageException WriteFailed(string operation, RocksDbException e)
    {
        // The first failure arms the recovery; later ones (the failed handle refuses every write) change nothing.
        if (Interlocked.CompareExchange(ref _fault, new WriteFault(DateTime.UtcNow, e.Message), null) is null)
        {
            _recovery.Change(RecoveryInterval, Timeout.InfiniteTimeSpan);
        }
        return Failed(operation, e, unavailable: true);
    }

    /// <summary>
    /// Closes the failed database and opens it again read-write; the open replays the WAL, so every write that
    /// returned is there. If it cannot (the disk is still full or read-only), opens it read-only for reads and tries
    /// again after <see cref="RecoveryInterval"/>.
    /// </summary>
    private void Recover()
    {
        _handleLock.EnterWriteLock();
        try
        {
            if (_disposed || _fault is not { } fault)
            {
                return;
            }

            _db?.Dispose();
            _db = null;
            try
            {
                Attach(OpenDatabase(_path, _writeBufferBytes));
            }
            catch (RocksDbException e)
            {
                _fault = fault with { ReopenError = e.Message };
                TryAttachReadOnly();
                _recovery.Change(RecoveryInterval, Timeout.InfiniteTimeSpan);
                return;
            }

            try
            {
                // An open can succeed on a disk that is still full: healthy only once a write has gone through.
                _db!.Put(WriteProbeKey, BitConverter.GetBytes(DateTime.UtcNow.Ticks), writeOptions: _writeOptions);
                _fault = null;
            }
            catch (RocksDbException e)
            {
                // Keep this handle: it still reads.
                _fault = fault with { ReopenError = e.Message };
                _recovery.Change(RecoveryInterval, Timeout.InfiniteTimeSpan);
            }
        }
        finally
        {
            _handleLock.ExitWriteLock();
        }
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
            _ when reason.Contains("No space left on device", StringComparison.Ordinal) =>
                $"State directory {path} is on a full file system: free space there and start castd again. {reason}",
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

    private static StorageException Failed(string operation, RocksDbException e, bool unavailable = false) =>
        new($"State store failed to {operation}: {e.Message}", e, unavailable);

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
