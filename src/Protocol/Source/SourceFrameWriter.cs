using System.Buffers;
using System.Buffers.Binary;

namespace Castd.Protocol.Source;

/// <summary>Writes channel-source frames (docs/source.md): used by castload's simulator and by tests.</summary>
public static class SourceFrameWriter
{
    /// <summary>Prefix version byte of a channel source.</summary>
    public const byte SourceVersion = 1;

    /// <summary>Prefix version byte of an ordered relay (docs/relay.md): every channel already in order, a jump is a final loss.</summary>
    public const byte RelayVersion = 2;

    public static void WriteHeader(Span<byte> destination, ChannelId channel, ulong sequence, int payloadLength, byte version = SourceVersion)
    {
        "CAST"u8.CopyTo(destination);
        destination[4] = version;
        channel.WriteTo(destination[5..]);
        BinaryPrimitives.WriteUInt64BigEndian(destination[11..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[19..], (uint)payloadLength);
    }

    public static void Write(IBufferWriter<byte> writer, ChannelId channel, ulong sequence, ReadOnlySpan<byte> payload, byte version = SourceVersion)
    {
        var span = writer.GetSpan(SourceFrameReader.HeaderSize + payload.Length);
        WriteHeader(span, channel, sequence, payload.Length, version);
        payload.CopyTo(span[SourceFrameReader.HeaderSize..]);
        writer.Advance(SourceFrameReader.HeaderSize + payload.Length);
    }
}
