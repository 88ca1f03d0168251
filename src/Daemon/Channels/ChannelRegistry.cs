using System.Collections.Concurrent;
using Castd.Daemon.Hosting;
using Castd.Protocol;
using Castd.Protocol.Reorder;

namespace Castd.Daemon.Channels;

/// <summary>
/// All channels, created on first sight: by the source's first packet, or by a viewer of a channel not live yet
/// (docs/viewers.md). Relay connections (docs/relay.md) subscribe to every channel, those to come included.
/// </summary>
/// <remarks>
/// Creating a channel and adding or removing a relay take one lock, so a channel created while a relay joins gets
/// that relay exactly once; looking up an existing channel takes none.
/// </remarks>
internal sealed class ChannelRegistry(CastdOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<ChannelId, Channel> _channels = new();
    private readonly ReorderOptions _reorder = options.Reorder;
    private readonly long _frequency = time.TimestampFrequency;
    private readonly long _liveTimeout = (long)(options.LiveTimeout.TotalSeconds * time.TimestampFrequency);
    private readonly Lock _lock = new();
    private ISubscriber[] _relays = [];

    public Channel GetOrCreate(ChannelId id) => _channels.TryGetValue(id, out var channel) ? channel : Create(id);

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
            _channels[id] = channel;
            return channel;
        }
    }
}
