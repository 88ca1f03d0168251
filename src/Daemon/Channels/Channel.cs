using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Protocol.MpegTs;
using Castd.Protocol.Reorder;

namespace Castd.Daemon.Channels;

/// <summary>One channel: its reorder ring, its fast-start cache and the subscribers its in-order packets fan out to.</summary>
/// <remarks>
/// <para>The ring, the cache and <see cref="Publish"/> belong to the ingest thread. Subscribers join and leave from
/// connection threads: the array is copy-on-write under a lock, and the ingest thread reads the current array with an
/// acquire load, so fan-out never takes a lock and never sees a half-built array.</para>
/// <para>A fast-start viewer (docs/playback.md) is not added to the array by its own thread: it waits in a list that the ingest
/// thread applies before its next packet, handing it the cached group and subscribing it in one step, so it gets every
/// packet exactly once whatever the timing.</para>
/// </remarks>
/// <param name="liveTimeout">How long after a packet the channel still counts as live (watch time), in timestamp units.</param>
internal sealed class Channel(ChannelId id, ReorderOptions reorder, long timestampFrequency, long gopCacheBytes, long liveTimeout)
{
    private readonly Lock _subscribersLock = new();
    private ISubscriber[] _subscribers = [];
    private readonly List<ISubscriber> _fastStarters = [];
    private int _pendingFastStarters;
    private int _relays;
    private readonly GopCache? _gop = gopCacheBytes > 0 ? new GopCache(gopCacheBytes) : null;
    private ulong _lastSequence;
    // Half of MinValue so that adding a timeout cannot overflow.
    private long _lastPacketTimestamp = long.MinValue / 2;
    private long _liveSinceTimestamp = long.MinValue / 2;

    public ChannelId Id { get; } = id;

    public string Name { get; } = id.ToString();

    public ReorderRing<PacketBuffer> Ring { get; } = new(reorder, timestampFrequency);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length + Volatile.Read(ref _pendingFastStarters);

    /// <summary>Subscribers that are viewers: all but the relay connections (docs/relay.md), which subscribe to every channel.</summary>
    public int ViewerCount => SubscriberCount - Volatile.Read(ref _relays);

    /// <summary>The fast-start cache; null when CASTD_GOP_CACHE_BYTES is 0. Read by other threads only for its counters.</summary>
    public GopCache? Gop => _gop;

    /// <summary>Packets and payload bytes received from the source, before reordering. Ingest thread writes; others read.</summary>
    public long PacketsIn { get; private set; }

    public long BytesIn { get; private set; }

    /// <summary>In-order packets handed to the subscribers.</summary>
    public long PacketsOut { get; private set; }

    /// <summary>Set by the ingest loop while the channel waits in its list of channels to flush.</summary>
    internal bool PendingFlush { get; set; }

    /// <summary>Until when the channel counts as live: its last in-order packet plus the live timeout (a timestamp).</summary>
    public long LiveUntilTimestamp => Volatile.Read(ref _lastPacketTimestamp) + liveTimeout;

    /// <summary>When the channel last became live: its first packet, or the first after a silence longer than the live
    /// timeout. Watch time counts from here, not from when the viewer was last accounted during the silence.</summary>
    public long LiveSinceTimestamp => Volatile.Read(ref _liveSinceTimestamp);

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

    /// <summary>Joins with fast start: the ingest thread hands the subscriber the cached group, then the live packets.</summary>
    public void SubscribeFastStart(ISubscriber subscriber)
    {
        lock (_subscribersLock)
        {
            _fastStarters.Add(subscriber);
            Volatile.Write(ref _pendingFastStarters, _fastStarters.Count);
        }
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
            if (_fastStarters.Remove(subscriber))
            {
                Volatile.Write(ref _pendingFastStarters, _fastStarters.Count);
                return;
            }
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
        if (packet.ReceivedTimestamp - _lastPacketTimestamp > liveTimeout)
        {
            Volatile.Write(ref _liveSinceTimestamp, packet.ReceivedTimestamp);
        }
        Volatile.Write(ref _lastPacketTimestamp, packet.ReceivedTimestamp);
        // The ring releases in order; any other step is a skipped loss or a restarted source. Checked before a joiner
        // is handed the cache, which must not give it a group from before a restart and then the new source's older
        // timestamps (players freeze on that).
        if (_gop is { } stale && PacketsOut > 0 && packet.Sequence != _lastSequence + 1)
        {
            stale.MarkGap();
        }
        if (Volatile.Read(ref _pendingFastStarters) > 0)
        {
            ApplyFastStarters();
        }
        _gop?.Add(packet);
        _lastSequence = packet.Sequence;
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Enqueue(packet);
        }
        PacketsOut++;
        packet.Release();
    }

    /// <summary>Ingest thread: the source connection is gone; what comes next may be another stream, so no group carries over.</summary>
    public void SourceLost() => _gop?.MarkGap();

    /// <summary>Ingest thread: each waiting fast starter gets the cached group, then joins the fan-out for what follows.</summary>
    private void ApplyFastStarters()
    {
        lock (_subscribersLock)
        {
            foreach (var subscriber in _fastStarters)
            {
                if (_gop is { Count: > 0 } gop)
                {
                    subscriber.Reserve(gop.Count, gop.Bytes);
                    for (var i = 0; i < gop.Count; i++)
                    {
                        subscriber.Enqueue(gop[i]);
                    }
                }
            }
            Volatile.Write(ref _subscribers, [.. _subscribers, .. _fastStarters]);
            _fastStarters.Clear();
            Volatile.Write(ref _pendingFastStarters, 0);
        }
    }

    /// <summary>Ingest thread: starts every subscriber's send, spread over the delivery threads.</summary>
    public void Flush(DeliveryThreads delivery) => delivery.Flush(Volatile.Read(ref _subscribers));
}
