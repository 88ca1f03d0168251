namespace Castd.Protocol.Reorder;

/// <summary>What a ring has seen. Written by the ring's owner thread only; other threads may read (64-bit reads are atomic).</summary>
public sealed class ReorderCounters
{
    public long Released { get; internal set; }
    public long Duplicates { get; internal set; }
    public long Late { get; internal set; }
    /// <summary>Sequence numbers skipped after the gap timeout or a window overflow.</summary>
    public long Lost { get; internal set; }
    /// <summary>Times the sequence fell back by more than a window: the source restarted its numbering.</summary>
    public long Restarts { get; internal set; }
}
