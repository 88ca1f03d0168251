using Castd.Daemon.Channels;
using Castd.Protocol.Buffers;
using Castd.Protocol.Reorder;

namespace Castd.Daemon.Ingest;

/// <summary>Where a channel's ring releases its in-order packets: straight into the channel's fan-out.</summary>
internal readonly struct FanoutSink(Channel channel) : IReleaseSink<PacketBuffer>
{
    public void Release(ulong sequence, PacketBuffer item) => channel.Publish(item);

    public void Drop(PacketBuffer item) => item.Release();
}
