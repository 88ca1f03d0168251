using System.Buffers;
using System.Buffers.Binary;

namespace Castd.Protocol.Source;

/// <summary>Parses channel-source frames (docs/source.md).</summary>
public static class SourceFrameReader
{
    public const int HeaderSize = 23;
    public const int DefaultMaxPayload = 1 << 20;

    private const int PrefixSize = 5;
    private const int ChannelOffset = 5;
    private const int SequenceOffset = 11;
    private const int LengthOffset = 19;

    // "CAST" as a little-endian uint, compared against the first four prefix bytes.
    private const uint CastMagic = 0x54534143;

    /// <summary>
    /// Grammar: prefix(5) channel(6 ASCII) sequence(u64 BE) length(u32 BE) payload(length); docs/source.md.
    /// Returns false and consumes nothing when the frame is incomplete. The length and the channel id are checked
    /// as soon as the header is complete, before any payload arrives.
    /// </summary>
    /// <exception cref="SourceProtocolException">The frame can never be valid.</exception>
    public static bool TryRead(ref SequenceReader<byte> reader, int maxPayload, out SourcePacket packet)
    {
        packet = default;
        var unread = reader.UnreadSpan;
        scoped ReadOnlySpan<byte> header;
        Span<byte> copy = stackalloc byte[HeaderSize];
        if (unread.Length >= HeaderSize)
        {
            header = unread[..HeaderSize];
        }
        else if (reader.TryCopyTo(copy))
        {
            header = copy;
        }
        else
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[LengthOffset..]);
        if (length > (uint)maxPayload)
        {
            SourceProtocolException.Throw(SourceProtocolViolation.PayloadTooLarge, length);
        }
        if (!ChannelId.TryRead(header.Slice(ChannelOffset, ChannelId.Size), out var channel))
        {
            SourceProtocolException.Throw(SourceProtocolViolation.InvalidChannelId);
        }
        if (reader.Remaining < HeaderSize + length)
        {
            return false;
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(header) == CastMagic ? header[PrefixSize - 1] : (byte)0;
        var sequence = BinaryPrimitives.ReadUInt64BigEndian(header[SequenceOffset..]);
        reader.Advance(HeaderSize);
        var payload = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        packet = new SourcePacket(version, channel, sequence, payload);
        return true;
    }
}
