using Castd.Storage;

namespace Castd.Daemon.Usage;

/// <summary>
/// Watch time not yet in the store, per user, channel and bucket. The hot path only adds here; the flusher takes
/// it away in batches and puts it back if the write fails, so nothing is lost while the store is unhealthy.
/// </summary>
internal sealed class UsageLedger(TimeProvider time)
{
    private readonly Lock _lock = new();
    private Dictionary<(string User, string Channel, long Bucket), long> _pending = [];
    private Dictionary<(string User, string Channel, long Bucket), long> _flushing = [];

    /// <summary>
    /// Held by the flusher around its store write and by readers around "store + pending", so a reader never sees
    /// a batch in both places or in neither.
    /// </summary>
    public Lock FlushGate { get; } = new();

    public void Add(string user, string channel, long milliseconds)
    {
        var bucket = UsageBuckets.Of(time.GetUtcNow());
        lock (_lock)
        {
            var key = (user, channel, bucket);
            _pending[key] = _pending.GetValueOrDefault(key) + milliseconds;
        }
    }

    /// <summary>Takes everything pending; it stays visible to <see cref="AddPendingTo"/> until <see cref="EndFlush"/>.</summary>
    public List<UsageRecord> BeginFlush()
    {
        lock (_lock)
        {
            (_pending, _flushing) = (_flushing, _pending);
            return [.. _flushing.Select(p => new UsageRecord(p.Key.User, p.Key.Channel, p.Key.Bucket, p.Value))];
        }
    }

    /// <summary>Forgets the batch once it is durable, or puts it back for the next attempt.</summary>
    public void EndFlush(bool written)
    {
        lock (_lock)
        {
            if (!written)
            {
                foreach (var (key, ms) in _flushing)
                {
                    _pending[key] = _pending.GetValueOrDefault(key) + ms;
                }
            }
            _flushing.Clear();
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
