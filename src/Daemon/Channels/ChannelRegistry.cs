using System.Collections.Concurrent;
using Castd.Daemon.Hosting;
using Castd.Protocol;
using Castd.Protocol.Reorder;

namespace Castd.Daemon.Channels;

/// <summary>All channels, created on first sight: by the source's first packet, or by a viewer of a channel not live yet (SPEC §3).</summary>
internal sealed class ChannelRegistry(CastdOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<ChannelId, Channel> _channels = new();
    private readonly ReorderOptions _reorder = options.Reorder;
    private readonly long _frequency = time.TimestampFrequency;

    public Channel GetOrCreate(ChannelId id) =>
        _channels.GetOrAdd(id, static (key, self) => new Channel(key, self._reorder, self._frequency), this);

    public ICollection<Channel> All => _channels.Values;
}
