using System.Buffers.Binary;

namespace Castd.Protocol.Viewers;

/// <summary>The per-packet header of a <c>framed</c> viewer (docs/viewers.md): seq (u64 BE) | timestamp (u64 BE) | length (u32 BE).</summary>
public static class FramedHeader
{
    public const int Size = 20;

    /// <param name="timestamp">Unix microseconds at which castd received the packet, or 0 if unknown.</param>
    public static void Write(Span<byte> destination, ulong sequence, ulong timestamp, int payloadLength)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, sequence);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], (uint)payloadLength);
    }

    public static (ulong Sequence, ulong Timestamp, int Length) Read(ReadOnlySpan<byte> source) =>
        (BinaryPrimitives.ReadUInt64BigEndian(source),
         BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
         (int)BinaryPrimitives.ReadUInt32BigEndian(source[16..]));
}
