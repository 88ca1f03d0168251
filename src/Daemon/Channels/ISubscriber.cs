using Castd.Protocol.Buffers;

namespace Castd.Daemon.Channels;

/// <summary>
/// Something that receives a channel's packets in order: a viewer or a relay connection (docs/relay.md).
/// Called on the ingest thread (<see cref="Flush"/> also on a delivery thread), so they must never block.
/// </summary>
internal interface ISubscriber
{
    /// <summary>Queues the packet, taking a reference of its own. A subscriber that cannot keep up closes itself.</summary>
    void Enqueue(PacketBuffer packet);

    /// <summary>
    /// Before a fast-start join hands over a cached group (docs/playback.md): room for that many more packets and bytes than
    /// the usual budget, since the subscriber starts that far behind.
    /// </summary>
    void Reserve(int packets, long bytes);

    /// <summary>End of an ingest batch: start sending what was queued, on the calling thread (see <see cref="DeliveryThreads"/>).</summary>
    void Flush();
}
