using Castd.Protocol.Reorder;
using Xunit;

namespace Castd.Tests.Protocol;

/// <summary>Collects what a ring releases, in release order, and what it drops after accepting it.</summary>
internal readonly struct RecordingSink(List<TestPacket> released, List<TestPacket>? dropped = null) : IReleaseSink<TestPacket>
{
    public void Drop(TestPacket item) => dropped?.Add(item);

    public void Release(ulong sequence, TestPacket item)
    {
        // The ring keeps items and numbers in parallel arrays; a slot mix-up would show here first.
        Assert.Equal(item.Sequence, sequence);
        released.Add(item);
    }
}
