using Castd.Storage;

namespace Castd.Daemon.Usage;

/// <summary>
/// Watch time not yet in the store, per user, channel and bucket. The hot path only adds here; the flusher takes it
/// away in numbered batches. A batch whose write failed stays as it is and is retried, with its number, before anything
/// newer: a store that cannot tell whether a failed write landed (Redis) applies each number once, so nothing is lost
/// and nothing is counted twice while the store is unhealthy. What waits is bounded (docs/fleet.md): past
/// <see cref="UsageOptions.BufferRecords"/> records, new watch time is dropped and counted.
/// </summary>
internal sealed class UsageLedger(UsageOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private Dictionary<(string User, string Channel, long Bucket), long> _pending = [];
    private Dictionary<(string User, string Channel, long Bucket), long> _flushing = [];
    private List<UsageRecord>? _retry;
    private long _batchId;
    private long _droppedMilliseconds;

    /// <summary>
    /// Held by the flusher around its store write and by readers around "store + pending", so a reader never sees
    /// a batch in both places or in neither. A semaphore, not a lock: both hold it across an asynchronous store call.
    /// </summary>
    public SemaphoreSlim FlushGate { get; } = new(1, 1);

    /// <summary>Records waiting for the store, the batch being written or retried included.</summary>
    public int Buffered
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count + _flushing.Count;
            }
        }
    }

    /// <summary>Watch time dropped because the buffer was full while the store was unreachable.</summary>
    public long DroppedMilliseconds => Interlocked.Read(ref _droppedMilliseconds);

    public void Add(string user, string channel, long milliseconds)
    {
        var bucket = UsageBuckets.Of(time.GetUtcNow());
        lock (_lock)
        {
            var key = (user, channel, bucket);
            if (_pending.TryGetValue(key, out var sum))
            {
                _pending[key] = sum + milliseconds;
            }
            else if (_pending.Count + _flushing.Count < options.BufferRecords)
            {
                _pending[key] = milliseconds;
            }
            else
            {
                _droppedMilliseconds += milliseconds;
            }
        }
    }

    /// <summary>
    /// The batch to write next and its number: the one that failed last time if any, else everything pending. It stays
    /// visible to <see cref="AddPendingTo"/> until <see cref="EndFlush"/> says it was written.
    /// </summary>
    public (List<UsageRecord> Records, long BatchId) BeginFlush()
    {
        lock (_lock)
        {
            if (_retry is null)
            {
                (_pending, _flushing) = (_flushing, _pending);
                _retry = [.. _flushing.Select(p => new UsageRecord(p.Key.User, p.Key.Channel, p.Key.Bucket, p.Value))];
                _batchId++;
            }
            return (_retry, _batchId);
        }
    }

    /// <summary>Forgets the batch once it is durable, or keeps it, unchanged, for the next attempt.</summary>
    public void EndFlush(bool written)
    {
        if (!written)
        {
            return;
        }
        lock (_lock)
        {
            _flushing.Clear();
            _retry = null;
        }
    }

    /// <summary>Adds one user's not-yet-durable milliseconds per channel, from buckets at or after <paramref name="sinceBucket"/>.</summary>
    public void AddPendingTo(string user, long sinceBucket, Dictionary<string, long> totals)
    {
        lock (_lock)
        {
            foreach (var entries in (ReadOnlySpan<Dictionary<(string User, string Channel, long Bucket), long>>)[_pending, _flushing])
            {
                foreach (var ((owner, channel, bucket), ms) in entries)
                {
                    if (owner == user && bucket >= sinceBucket)
                    {
                        totals[channel] = totals.GetValueOrDefault(channel) + ms;
                    }
                }
            }
        }
    }
}
