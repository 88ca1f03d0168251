using System.Buffers;
using Castd.Daemon.Channels;
using Castd.Protocol.Buffers;
using Castd.Protocol.Reorder;
using Castd.Protocol.Source;

namespace Castd.Daemon.Ingest;

/// <summary>
/// The ingest thread's state: copies each parsed packet once into a pooled buffer, puts it through its
/// channel's ring, and at the end of a batch expires gaps and flushes the subscribers of channels that moved.
/// </summary>
/// <remarks>Owned by one thread at a time (the source read loop); none of it is thread-safe on purpose.</remarks>
internal sealed class IngestPump(ChannelRegistry registry, PacketBufferPool pool, DeliveryThreads delivery)
{
    private readonly List<Channel> _known = [];
    private readonly List<Channel> _touched = [];
    private Channel? _last;

    public void Ingest(in SourcePacket packet, long now, ulong unixMicros)
    {
        var channel = _last is { } last && last.Id == packet.Channel ? last : Lookup(packet);
        var length = (int)packet.Payload.Length;
        var buffer = pool.Rent();
        packet.Payload.CopyTo(buffer.Initialize(packet.Sequence, now, unixMicros, length, packet.Channel));
        channel.CountIn(length);

        var sink = new FanoutSink(channel);
        // An ordered relay upstream (docs/relay.md) has done the reordering: no hold, no gap wait, a jump is a final loss.
        var outcome = packet.PrefixVersion == SourceFrameWriter.RelayVersion
            ? channel.Ring.InsertOrdered(packet.Sequence, buffer, ref sink)
            : channel.Ring.Insert(packet.Sequence, buffer, now, ref sink);
        if (outcome != InsertOutcome.Accepted)
        {
            buffer.Release();
        }
        Touch(channel);
    }

    /// <summary>Ends a batch: skip expired gaps everywhere, then one flush per channel that released anything.</summary>
    public void EndBatch(long now)
    {
        foreach (var channel in _known)
        {
            if (channel.Ring.Held > 0)
            {
                var sink = new FanoutSink(channel);
                channel.Ring.Expire(now, ref sink);
                Touch(channel);
            }
        }
        foreach (var channel in _touched)
        {
            channel.PendingFlush = false;
            channel.Flush(delivery);
        }
        _touched.Clear();
    }

    /// <summary>
    /// The source went away. Each ring keeps what it holds, its gaps expiring as the redial waits (<see cref="EndBatch"/>),
    /// so a frame the break cut can still fill its gap when the source sends it again; the next packet tells whether the
    /// numbering went on or started again.
    /// </summary>
    public void SourceLost()
    {
        foreach (var channel in _known)
        {
            channel.Ring.SourceLost();
            channel.SourceLost();
        }
    }

    private Channel Lookup(in SourcePacket packet)
    {
        var channel = registry.GetOrCreateFromSource(packet.Channel);
        if (!channel.Ring.IsStarted && !_known.Contains(channel))
        {
            _known.Add(channel);
        }
        _last = channel;
        return channel;
    }

    private void Touch(Channel channel)
    {
        if (!channel.PendingFlush)
        {
            channel.PendingFlush = true;
            _touched.Add(channel);
        }
    }
}
