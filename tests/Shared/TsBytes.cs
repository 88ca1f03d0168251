using System.Buffers;
using Castd.Protocol.MpegTs;

namespace Castd.Tests;

/// <summary>Cuts in received MPEG-TS bytes that start at a TS packet boundary (as every castd stream does).</summary>
internal static class TsBytes
{
    /// <summary>
    /// The offset of the last PAT packet at or before <paramref name="position"/>: where a player can start decoding
    /// the keyframe at that position (ffmpeg sends PAT and PMT in front of every keyframe).
    /// </summary>
    public static long LastPatBefore(byte[] bytes, long position)
    {
        for (var i = position / TsPacket.Size * TsPacket.Size; i >= 0; i -= TsPacket.Size)
        {
            if (TsPacket.TryRead(bytes.AsSpan((int)i), out var packet) == OperationStatus.Done && packet.Pid == TsPacket.PatPid)
            {
                return i;
            }
        }
        throw new InvalidOperationException("no PAT before the first keyframe");
    }
}
