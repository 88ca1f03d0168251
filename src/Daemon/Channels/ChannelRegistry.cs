using System.Collections.Concurrent;
using Castd.Protocol;
using Castd.Protocol.Reorder;

namespace Castd.Daemon.Channels;

/// <summary>
/// All channels, each created by the source's first packet on it: channels exist because the source sent them, never
/// because a viewer asked (docs/viewers.md). A viewer of a channel id the source has not sent yet waits in a list that
/// the channel's creation empties into it; the list holds only the viewers themselves and goes when they do.
/// Relay connections (docs/relay.md) subscribe to every channel, those to come included.
/// </summary>
/// <remarks>
/// Creating a channel, adding or removing a relay and a viewer's wait take one lock, so a channel created while a relay
/// or a viewer joins gets it exactly once; looking up or joining an existing channel takes none.
/// </remarks>
internal sealed class ChannelRegistry(ChannelOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<ChannelId, Channel> _channels = new();
    private readonly ReorderOptions _reorder = options.Reorder;
    private readonly long _frequency = time.TimestampFrequency;
    private readonly long _liveTimeout = (long)(options.LiveTimeout.TotalSeconds * time.TimestampFrequency);
    private readonly Lock _lock = new();
    private readonly Dictionary<ChannelId, List<ChannelSubscription>> _waiting = [];
    private ISubscriber[] _relays = [];

    /// <summary>The ingest thread's lookup: the channel of a packet the source sent, created on its first packet.</summary>
    public Channel GetOrCreateFromSource(ChannelId id) => _channels.TryGetValue(id, out var channel) ? channel : Create(id);

    /// <summary>
    /// Subscribes a viewer to the channel <paramref name="name"/> now if the source has sent it, else as soon as it
    /// does; a name that is no channel id (<see cref="ChannelNames"/>) is accepted and never delivers.
    /// </summary>
    public ChannelSubscription Subscribe(string name, ISubscriber subscriber, bool fastStart)
    {
        if (!ChannelId.TryParse(name, out var id))
        {
            return new ChannelSubscription(name, null, subscriber, fastStart);
        }
        var subscription = new ChannelSubscription(name, id, subscriber, fastStart);
        if (_channels.TryGetValue(id, out var channel))
        {
            subscription.Attach(channel);
            return subscription;
        }
        lock (_lock)
        {
            if (_channels.TryGetValue(id, out channel))
            {
                subscription.Attach(channel);
            }
            else if (_waiting.TryGetValue(id, out var waiting))
            {
                waiting.Add(subscription);
            }
            else
            {
                _waiting[id] = [subscription];
            }
        }
        return subscription;
    }

    public void Unsubscribe(ChannelSubscription subscription)
    {
        if (subscription.Channel is { } channel)
        {
            channel.Unsubscribe(subscription.Subscriber);
            return;
        }
        if (subscription.Id is not { } id)
        {
            return;
        }
        lock (_lock)
        {
            if (subscription.Channel is { } created)
            {
                created.Unsubscribe(subscription.Subscriber);
            }
            else if (_waiting.TryGetValue(id, out var waiting) && waiting.Remove(subscription) && waiting.Count == 0)
            {
                _waiting.Remove(id);
            }
        }
    }

    /// <summary>Channel ids viewers are waiting for (none of them created): for tests and diagnostics.</summary>
    public int WaitingChannelCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    public ICollection<Channel> All => _channels.Values;

    public int RelayCount => Volatile.Read(ref _relays).Length;

    /// <summary>Subscribes <paramref name="relay"/> to every channel, now and to come.</summary>
    public void AddRelay(ISubscriber relay)
    {
        lock (_lock)
        {
            Volatile.Write(ref _relays, [.. _relays, relay]);
            foreach (var channel in _channels.Values)
            {
                channel.SubscribeRelay(relay);
            }
        }
    }

    public void RemoveRelay(ISubscriber relay)
    {
        lock (_lock)
        {
            Volatile.Write(ref _relays, [.. _relays.Where(r => r != relay)]);
            foreach (var channel in _channels.Values)
            {
                channel.UnsubscribeRelay(relay);
            }
        }
    }

    private Channel Create(ChannelId id)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(id, out var existing))
            {
                return existing;
            }
            var channel = new Channel(id, _reorder, _frequency, options.GopCacheBytes, _liveTimeout);
            foreach (var relay in _relays)
            {
                channel.SubscribeRelay(relay);
            }
            if (_waiting.Remove(id, out var waiting))
            {
                foreach (var subscription in waiting)
                {
                    subscription.Attach(channel);
                }
            }
            _channels[id] = channel;
            return channel;
        }
    }
}
