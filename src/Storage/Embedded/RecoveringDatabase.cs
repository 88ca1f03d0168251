using RocksDbSharp;

namespace Castd.Storage.Embedded;

/// <summary>
/// The embedded store's RocksDB handle and its lifecycle: open, a lease per operation, and recovery from failed writes.
/// </summary>
/// <remarks>
/// A failed write (disk full, file system turned read-only) leaves RocksDB refusing every later write even once the
/// disk is back, and this package's C API has no <c>Resume</c>: the database then reports <see cref="Problem"/> and
/// reopens itself every <see cref="RecoveryInterval"/> until a read-write open succeeds. Between attempts reads go on,
/// from the failed handle or, if the read-write open failed, from a read-only one. Callers keep what failed and retry
/// it; a failed write wrote nothing, so nothing is lost or counted twice.
/// </remarks>
internal sealed class RecoveringDatabase : IDisposable
{
    /// <summary>RocksDB keeps one info LOG per start; a few are enough to diagnose the last restarts.</summary>
    private const ulong KeptInfoLogs = 3;

    /// <summary>How long a database whose writes failed waits before each attempt to reopen it.</summary>
    public static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly int _writeBufferBytes;

    // Guards the handle's lifetime, not the data: every operation holds it shared, a reopen holds it exclusively.
    private readonly ReaderWriterLockSlim _handleLock = new();
    private readonly Timer _recovery;
    private RocksDb? _db;
    private ColumnFamilyHandle? _users;
    private ColumnFamilyHandle? _usage;
    private volatile WriteFault? _fault;
    private bool _disposed;

    private RecoveringDatabase(string path, int writeBufferBytes, RocksDb db)
    {
        _path = path;
        _writeBufferBytes = writeBufferBytes;
        Attach(db);
        _recovery = new Timer(_ => Recover());
    }

    /// <summary>Writes that return before the disk has them: they are in the WAL in the page cache, which survives
    /// castd being killed, and reach the disk with the next synced write.</summary>
    public WriteOptions Unsynced { get; } = new WriteOptions().SetSync(false);

    /// <summary>Syncs the WAL, which makes the write and every one before it survive an OS crash or a power cut.</summary>
    public WriteOptions Synced { get; } = new WriteOptions().SetSync(true);

    /// <summary>Why writes fail right now and since when, or null while they succeed.</summary>
    public string? Problem => _fault is { } fault
        ? $"writes to {_path} failing since {fault.Since:HH:mm:ss}Z: {fault.Error}{(fault.ReopenError is { } reopen ? $"; reopening failed: {reopen}" : "")}; retrying every {RecoveryInterval.TotalSeconds:0} s"
        : null;

    /// <exception cref="StorageException">The directory cannot be created or written, is a file, or holds a database
    /// that is corrupted or already open in another process, or the disk is full. The message names the path and the reason.</exception>
    public static RecoveringDatabase Open(string directory, int writeBufferBytes)
    {
        var path = Path.GetFullPath(directory);
        CreateDirectory(path);
        try
        {
            return new RecoveringDatabase(path, writeBufferBytes, OpenDatabase(path, writeBufferBytes));
        }
        catch (RocksDbException e)
        {
            throw OpenFailed(path, e);
        }
    }

    /// <summary>Holds the handle open for one operation; throws when there is none to use.</summary>
    public Lease Enter()
    {
        _handleLock.EnterReadLock();
        if (_disposed || _db is null)
        {
            var disposed = _disposed;
            _handleLock.ExitReadLock();
            ObjectDisposedException.ThrowIf(disposed, this);
            throw new StorageException($"State store is closed until it can be reopened: {Problem}", unavailable: true);
        }
        return new Lease(_handleLock, _db, _users!, _usage!);
    }

    /// <summary>The handle, held for one operation.</summary>
    public readonly ref struct Lease(ReaderWriterLockSlim handleLock, RocksDb db, ColumnFamilyHandle users, ColumnFamilyHandle usage)
    {
        public RocksDb Db { get; } = db;
        public ColumnFamilyHandle Users { get; } = users;
        public ColumnFamilyHandle Usage { get; } = usage;

        public void Dispose() => handleLock.ExitReadLock();
    }

    /// <summary>A write failed: the first failure arms the recovery; later ones (the failed handle refuses every write) change nothing.</summary>
    public StorageException WriteFailed(string operation, RocksDbException e)
    {
        if (Interlocked.CompareExchange(ref _fault, new WriteFault(DateTime.UtcNow, e.Message), null) is null)
        {
            _recovery.Change(RecoveryInterval, Timeout.InfiniteTimeSpan);
        }
        return Failed(operation, e, unavailable: true);
    }

    public static StorageException Failed(string operation, RocksDbException e, bool unavailable = false) =>
        new($"State store failed to {operation}: {e.Message}", e, unavailable);

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
            { RocksDbKeys.UsersFamily, new ColumnFamilyOptions().SetWriteBufferSize((ulong)writeBufferBytes) },
            { RocksDbKeys.UsageFamily, new ColumnFamilyOptions().SetWriteBufferSize((ulong)writeBufferBytes) },
        };
        return readOnly ? RocksDb.OpenReadOnly(options, path, families, errIfLogFileExists: false) : RocksDb.Open(options, path, families);
    }

    private void Attach(RocksDb db)
    {
        _db = db;
        _users = db.GetColumnFamily(RocksDbKeys.UsersFamily);
        _usage = db.GetColumnFamily(RocksDbKeys.UsageFamily);
    }

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

    /// <param name="ReopenError">Why the last reopen failed, if one was tried.</param>
    private sealed record WriteFault(DateTime Since, string Error, string? ReopenError = null);

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
                _db!.Put(RocksDbKeys.WriteProbe, BitConverter.GetBytes(DateTime.UtcNow.Ticks), writeOptions: Unsynced);
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
            // "While lock file" when another process holds it, "lock hold by" when this one does.
            _ when reason.Contains("While lock file", StringComparison.Ordinal) || reason.Contains("lock hold by", StringComparison.Ordinal) =>
                $"State database in {path} is locked: another castd (or another process) has it open. {reason}",
            // A MANIFEST that CURRENT names but that is missing is as fatal as a corrupted one.
            _ when reason.StartsWith("Corruption", StringComparison.Ordinal) || reason.Contains("MANIFEST", StringComparison.Ordinal) =>
                $"State database in {path} is corrupted or incomplete; restore it from a backup or move it aside to start empty. {reason}",
            _ => $"Cannot open state database in {path}: {reason}",
        };
        return new StorageException(message, e);
    }
}
