using Castd.Protocol.Reorder;

namespace Castd.Bench.Protocol.Reorder;

/// <summary>The cheapest sink that still depends on every release, so the JIT cannot drop the work.</summary>
internal struct CountingSink : IReleaseSink<RingItem>
{
    public long Released;
    public ulong Checksum;

    public void Release(ulong sequence, RingItem item)
    {
        Released++;
        Checksum += sequence + (ulong)item.PayloadLength;
    }

    public readonly void Drop(RingItem item)
    {
    }
}
