namespace Castd.Protocol.Reorder;

/// <summary>
/// What a ring has seen. Written by the ring's owner thread only; other threads (health, metrics) read them without
/// a fence: 64-bit reads are atomic on x64, and a value a moment old is good enough for a gauge.
/// </summary>
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
