using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Protocol.Reorder;

namespace Castd.Daemon.Channels;

/// <summary>One channel: its reorder ring and the subscribers its in-order packets fan out to.</summary>
/// <remarks>
/// The ring and <see cref="Publish"/> belong to the ingest thread. Subscribers join and leave from connection
/// threads: the array is copy-on-write under a lock, and the ingest thread reads the current array with an
/// acquire load, so fan-out never takes a lock and never sees a half-built array.
/// </remarks>
internal sealed class Channel(ChannelId id, ReorderOptions reorder, long timestampFrequency)
{
    private readonly Lock _subscribersLock = new();
    private ISubscriber[] _subscribers = [];
    private int _relays;
    // Half of MinValue so that adding a timeout cannot overflow.
    private long _lastPacketTimestamp = long.MinValue / 2;

    public ChannelId Id { get; } = id;

    public string Name { get; } = id.ToString();

    public ReorderRing<PacketBuffer> Ring { get; } = new(reorder, timestampFrequency);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Subscribers that are viewers: all but the relay connections (SPEC §9), which subscribe to every channel.</summary>
    public int ViewerCount => SubscriberCount - Volatile.Read(ref _relays);

    /// <summary>Packets and payload bytes received from the source, before reordering. Ingest thread writes; others read.</summary>
    public long PacketsIn { get; private set; }

    public long BytesIn { get; private set; }

    /// <summary>In-order packets handed to the subscribers.</summary>
    public long PacketsOut { get; private set; }

    /// <summary>Set by the ingest loop while the channel waits in its list of channels to flush.</summary>
    internal bool PendingFlush { get; set; }

    /// <summary>When the last in-order packet went out (a timestamp); long.MinValue / 2 before the first.</summary>
    public long LastPacketTimestamp => Volatile.Read(ref _lastPacketTimestamp);

    public void CountIn(int payloadBytes)
    {
        PacketsIn++;
        BytesIn += payloadBytes;
    }

    public void Subscribe(ISubscriber subscriber)
    {
        lock (_subscribersLock)
        {
            Volatile.Write(ref _subscribers, [.. _subscribers, subscriber]);
        }
    }

    /// <summary>A relay connection joins: a subscriber like a viewer, counted apart.</summary>
    public void SubscribeRelay(ISubscriber relay)
    {
        Interlocked.Increment(ref _relays);
        Subscribe(relay);
    }

    public void UnsubscribeRelay(ISubscriber relay)
    {
        Unsubscribe(relay);
        Interlocked.Decrement(ref _relays);
    }

    public void Unsubscribe(ISubscriber subscriber)
    {
        lock (_subscribersLock)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index >= 0)
            {
                Volatile.Write(ref _subscribers, [.. _subscribers.AsSpan(0, index), .. _subscribers.AsSpan(index + 1)]);
            }
        }
    }

    /// <summary>Hands an in-order packet to every subscriber and drops the ingest loop's own reference.</summary>
    public void Publish(PacketBuffer packet)
    {
        Volatile.Write(ref _lastPacketTimestamp, packet.ReceivedTimestamp);
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Enqueue(packet);
        }
        PacketsOut++;
        packet.Release();
    }

    /// <summary>
    /// Starts every subscriber's send: the thread pool's first, so they run on the other cores meanwhile, then up to
    /// <paramref name="sendsOnThisThread"/> (decremented for each) on the ingest thread itself.
    /// </summary>
    public void Flush(ref int sendsOnThisThread)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        var here = int.Min(sendsOnThisThread, subscribers.Length);
        sendsOnThisThread -= here;
        for (var i = 0; i < subscribers.Length; i++)
        {
            subscribers[i].Flush(onThisThread: i >= subscribers.Length - here);
        }
    }
}
