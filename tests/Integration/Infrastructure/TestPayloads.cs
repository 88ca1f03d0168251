using System.Buffers.Binary;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>
/// Payloads whose length and every byte follow from (channel, sequence), so a viewer can check what it got byte
/// for byte, and a raw viewer can split its unframed stream: the first 8 bytes carry the sequence number.
/// </summary>
internal static class TestPayloads
{
    public static int Length(ulong sequence) => 200 + (int)(sequence % 97);

    public static byte[] For(int channelIndex, ulong sequence)
    {
        var payload = new byte[Length(sequence)];
        BinaryPrimitives.WriteUInt64BigEndian(payload, sequence);
        for (var i = 8; i < payload.Length; i++)
        {
            payload[i] = (byte)(sequence * 7 + (ulong)i + (ulong)channelIndex * 13);
        }
        return payload;
    }
}
