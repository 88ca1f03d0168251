namespace Castd.Protocol.Reorder;

/// <param name="Capacity">Window in packets; a power of two (docs/source.md default 1024 ≈ 20 s of 20 ms packets).</param>
/// <param name="GapTimeout">How long a missing sequence number is waited for before it is skipped as lost.</param>
/// <param name="StartupHold">After a channel's first packet, how long earlier numbers may still arrive and go first.</param>
public sealed record ReorderOptions(int Capacity, TimeSpan GapTimeout, TimeSpan StartupHold)
{
    public static ReorderOptions Default { get; } = new(1024, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
}
