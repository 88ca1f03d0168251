namespace Castd.Daemon.Chat;

/// <summary>Chat totals for /metrics; interlocked because every connection's thread updates them.</summary>
internal sealed class ChatCounters
{
    private long _connections;
    private long _delivered;
    private long _refused;
    private long _rejected;
    private long _cutSlow;

    public long Connections => Volatile.Read(ref _connections);

    /// <summary>Messages handed to a receiving connection (one per connection per message).</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Connections turned away (unregistered, over the per-user limit).</summary>
    public long Refused => Volatile.Read(ref _refused);

    /// <summary>Client messages answered with an error (invalid, too large, unknown recipient…).</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    /// <summary>Connections cut because they stopped reading.</summary>
    public long CutSlow => Volatile.Read(ref _cutSlow);

    public void Connected() => Interlocked.Increment(ref _connections);

    public void Disconnected(bool slow)
    {
        Interlocked.Decrement(ref _connections);
        if (slow)
        {
            Interlocked.Increment(ref _cutSlow);
        }
    }

    public void CountRefused() => Interlocked.Increment(ref _refused);

    public void CountRejected() => Interlocked.Increment(ref _rejected);

    public void CountDelivered(int count) => Interlocked.Add(ref _delivered, count);
}
