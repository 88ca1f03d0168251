namespace Castd.Protocol.MpegTs;

/// <summary>The PES packet header in front of a video access unit (docs/playback.md).</summary>
internal static class PesHeader
{
    /// <summary>start code(3) stream_id(1) PES_packet_length(2) flags(2) PES_header_data_length(1).</summary>
    private const int FixedSize = 9;

    /// <summary>
    /// Grammar: packet_start_code_prefix(24)=0x000001 stream_id(8) PES_packet_length(16) '10'(2) flags(14)
    /// PES_header_data_length(8) header_data(PES_header_data_length) elementary_stream; ISO/IEC 13818-1 2.4.3.6.
    /// Video stream ids (0xE0–0xEF) always have this optional header. False when the bytes are no PES start or the
    /// header does not end inside this TS packet (a very long header: the PES is not probed, nothing else happens).
    /// </summary>
    public static bool TrySkip(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> elementary)
    {
        elementary = default;
        if (payload.Length < FixedSize || payload[0] != 0 || payload[1] != 0 || payload[2] != 1
            || payload[3] is < 0xE0 or > 0xEF || (payload[6] & 0xC0) != 0x80)
        {
            return false;
        }
        var end = FixedSize + payload[8];
        if (end > payload.Length)
        {
            return false;
        }
        elementary = payload[end..];
        return true;
    }
}
