using System.Buffers;

namespace Castd.Protocol.Source;

/// <summary>One parsed channel-source packet. <see cref="Payload"/> slices the reader's buffer: copy it before advancing.</summary>
public readonly struct SourcePacket(byte prefixVersion, ChannelId channel, ulong sequence, ReadOnlySequence<byte> payload)
{
    /// <summary>Byte 4 of the prefix when it starts with "CAST" (1 = source, 2 = ordered relay), else 0.</summary>
    public byte PrefixVersion { get; } = prefixVersion;
    public ChannelId Channel { get; } = channel;
    public ulong Sequence { get; } = sequence;
    public ReadOnlySequence<byte> Payload { get; } = payload;
}
