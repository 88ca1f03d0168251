using System.Runtime.InteropServices;

namespace Castd.Protocol.Buffers;

/// <summary>
/// A counter alone on its cache line, so the producer's and the consumer's counters never false-share.
/// 128 bytes: two 64-byte lines, because adjacent-line prefetch pulls lines in pairs.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedCounter
{
    [FieldOffset(64)] public long Value;
}
