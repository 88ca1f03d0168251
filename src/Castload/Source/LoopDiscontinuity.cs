using System.Buffers;
using System.Buffers.Binary;
using Castd.Protocol.MpegTs;

namespace Castd.Castload.Source;

/// <summary>
/// Marks a TS file's second and later plays as discontinuous: each PID's continuity counter and (on the PCR PID) the
/// time base jump back at the loop point, and a demuxer that is not told treats the jump as lost packets
/// (ISO/IEC 13818-1 2.4.3.5, discontinuity_indicator).
/// </summary>
/// <remarks>
/// The indicator lives in the adaptation field and a packet stays 188 bytes, so for each PID:
/// <list type="number">
/// <item>its first packet after the loop point gets the indicator if it has an adaptation field of at least one byte
/// (video keyframes always do: ffmpeg puts the random_access_indicator and the PCR there, so the PCR PID's new time base
/// is marked exactly where it starts);</item>
/// <item>a PSI packet (PAT, PMT, SDT) without one gets a two-byte adaptation field, paid for by two of the 0xFF bytes
/// that stuff the packet after its section: no byte of the section moves out;</item>
/// <item>otherwise (a PES packet full of payload, e.g. audio) there is no room, and the indicator goes on that PID's
/// first packet that has an adaptation field (ffmpeg stuffs the last packet of each PES that way, so within one PES,
/// ~0.1 s of audio). A demuxer may count the counter jump before it as a loss; the bytes are all there.</item>
/// </list>
/// </remarks>
internal static class LoopDiscontinuity
{
    /// <summary>adaptation_field_length(1) + the flags byte(1).</summary>
    private const int InsertedFieldSize = 2;

    private const byte Stuffing = 0xFF;

    /// <summary>A copy of <paramref name="file"/> with every PID's discontinuity marked as above.</summary>
    public static byte[] Mark(ReadOnlySpan<byte> file)
    {
        var marked = file.ToArray();
        var done = new HashSet<int> { TsPacket.NullPid };
        var waiting = new HashSet<int>();
        for (var offset = 0; offset + TsPacket.Size <= marked.Length; offset += TsPacket.Size)
        {
            var packet = marked.AsSpan(offset, TsPacket.Size);
            if (TsPacket.TryRead(packet, out var parsed) != OperationStatus.Done || done.Contains(parsed.Pid))
            {
                continue;
            }
            var first = waiting.Add(parsed.Pid);
            if (parsed.AdaptationFieldLength > 0)
            {
                packet[TsPacket.HeaderSize + 1] |= TsPacket.DiscontinuityFlag;
                done.Add(parsed.Pid);
            }
            else if (first && !parsed.HasAdaptationField && TryInsertField(packet))
            {
                done.Add(parsed.Pid);
            }
        }
        return marked;
    }

    /// <summary>
    /// Grammar: header(4) pointer_field(8) stuffing(pointer_field) table_id(8) flags(4) section_length(12) section
    /// stuffing(0xFF…); ISO/IEC 13818-1 2.4.4.2. Shifts the section 2 bytes on into the packet's stuffing.
    /// </summary>
    private static bool TryInsertField(Span<byte> packet)
    {
        var payload = packet[TsPacket.HeaderSize..];
        if ((packet[1] & 0x40) == 0 || payload.Length < 4 || payload is [0, 0, 1, ..])
        {
            return false;
        }
        var sectionEnd = 1 + payload[0] + 3 + (BinaryPrimitives.ReadUInt16BigEndian(payload[(2 + payload[0])..]) & 0x0FFF);
        if (sectionEnd + InsertedFieldSize > payload.Length || payload[sectionEnd..].ContainsAnyExcept(Stuffing))
        {
            return false;
        }
        payload[..^InsertedFieldSize].CopyTo(payload[InsertedFieldSize..]);
        packet[3] |= 0x20;
        packet[TsPacket.HeaderSize] = 1;
        packet[TsPacket.HeaderSize + 1] = TsPacket.DiscontinuityFlag;
        return true;
    }
}
