namespace Castd.Bench.Protocol.Reorder;

/// <summary>Stands in for a pooled packet: allocated once in GlobalSetup and reused every batch.</summary>
internal sealed class RingItem
{
    public int PayloadLength;
}
