using System.Buffers;
using System.Buffers.Binary;

namespace Castd.Protocol.MpegTs;

/// <summary>The program association: which PID carries the program map of the first program.</summary>
/// <param name="ProgramNumber">0 and <paramref name="PmtPid"/> −1 when the table lists no program.</param>
public readonly record struct ProgramAssociation(int ProgramNumber, int PmtPid, int Version, bool IsCurrent);

/// <summary>What castd needs from a program map: the clock and the first video and audio streams (−1: none).</summary>
public readonly record struct ProgramMap(
    int ProgramNumber, int Version, bool IsCurrent, int PcrPid,
    int VideoPid, TsStreamType VideoType, int AudioPid, TsStreamType AudioType);

/// <summary>PAT and PMT sections (docs/playback.md), read from the payload of the TS packet that starts them.</summary>
/// <remarks>
/// A section must end inside that packet: PAT and PMT of a one- or two-stream program take a few dozen bytes, far
/// less than the 183 a packet has after the pointer field. A longer section (a PMT with many streams or large
/// descriptors) reports NeedMoreData and is not reassembled.
/// </remarks>
public static class ProgramTables
{
    public const byte PatTableId = 0x00;
    public const byte PmtTableId = 0x02;

    /// <summary>table_id(8) + flags and section_length(16): the bytes before section_length starts counting.</summary>
    private const int SectionHeaderSize = 3;

    /// <summary>id(16) reserved(2) version(5) current_next(1) section_number(8) last_section_number(8).</summary>
    private const int SyntaxHeaderSize = 5;

    private const int CrcSize = 4;

    /// <summary>
    /// Grammar: pointer_field(8) pointer_field×byte table_id(8)=0x00 syntax(1)=1 '0'(1) reserved(2) section_length(12)
    /// transport_stream_id(16) reserved(2) version(5) current_next(1) section_number(8) last_section_number(8)
    /// *(program_number(16) reserved(3) PID(13)) CRC_32(32); ISO/IEC 13818-1 2.4.4.3 and 2.4.4.4, docs/playback.md.
    /// The first program with a number other than 0 (0 names the network PID) wins.
    /// </summary>
    public static OperationStatus TryReadPat(ReadOnlySpan<byte> payload, out ProgramAssociation pat)
    {
        pat = default;
        var status = TryReadSection(payload, PatTableId, out var body, out var version, out var current);
        if (status != OperationStatus.Done)
        {
            return status;
        }
        var programNumber = 0;
        var pmtPid = -1;
        // Four bytes per program; the loop never reads past the body, whatever section_length claimed.
        for (var i = 0; i + 4 <= body.Length; i += 4)
        {
            var number = BinaryPrimitives.ReadUInt16BigEndian(body[i..]);
            if (number != 0)
            {
                programNumber = number;
                pmtPid = BinaryPrimitives.ReadUInt16BigEndian(body[(i + 2)..]) & 0x1FFF;
                break;
            }
        }
        pat = new ProgramAssociation(programNumber, pmtPid, version, current);
        return OperationStatus.Done;
    }

    /// <summary>
    /// Grammar: pointer_field(8) pointer_field×byte table_id(8)=0x02 syntax(1)=1 '0'(1) reserved(2) section_length(12)
    /// program_number(16) reserved(2) version(5) current_next(1) section_number(8) last_section_number(8)
    /// reserved(3) PCR_PID(13) reserved(4) program_info_length(12) descriptors
    /// *(stream_type(8) reserved(3) elementary_PID(13) reserved(4) ES_info_length(12) descriptors) CRC_32(32);
    /// ISO/IEC 13818-1 2.4.4.8 and 2.4.4.9, docs/playback.md.
    /// </summary>
    public static OperationStatus TryReadPmt(ReadOnlySpan<byte> payload, out ProgramMap map)
    {
        map = default;
        var status = TryReadSection(payload, PmtTableId, out var body, out var version, out var current);
        if (status != OperationStatus.Done)
        {
            return status;
        }
        var programNumber = BinaryPrimitives.ReadUInt16BigEndian(payload[(1 + payload[0] + SectionHeaderSize)..]);
        // PCR_PID(2) + program_info_length(2).
        if (body.Length < 4)
        {
            return OperationStatus.InvalidData;
        }
        var pcrPid = BinaryPrimitives.ReadUInt16BigEndian(body) & 0x1FFF;
        var infoLength = BinaryPrimitives.ReadUInt16BigEndian(body[2..]) & 0x0FFF;
        if (4 + infoLength > body.Length)
        {
            return OperationStatus.InvalidData;
        }
        var streams = body[(4 + infoLength)..];
        int videoPid = -1, audioPid = -1;
        TsStreamType videoType = TsStreamType.None, audioType = TsStreamType.None;
        // stream_type(1) PID(2) ES_info_length(2) per stream, then its descriptors.
        while (streams.Length >= 5)
        {
            var type = (TsStreamType)streams[0];
            var pid = BinaryPrimitives.ReadUInt16BigEndian(streams[1..]) & 0x1FFF;
            var esInfoLength = BinaryPrimitives.ReadUInt16BigEndian(streams[3..]) & 0x0FFF;
            if (5 + esInfoLength > streams.Length)
            {
                return OperationStatus.InvalidData;
            }
            if (videoPid < 0 && TsStreamTypes.IsVideo(type))
            {
                (videoPid, videoType) = (pid, type);
            }
            else if (audioPid < 0 && TsStreamTypes.IsAudio(type))
            {
                (audioPid, audioType) = (pid, type);
            }
            streams = streams[(5 + esInfoLength)..];
        }
        map = new ProgramMap(programNumber, version, current, pcrPid, videoPid, videoType, audioPid, audioType);
        return OperationStatus.Done;
    }

    /// <summary>
    /// The long-form section both tables share: checks the pointer field, table id, section_length against the
    /// packet and the CRC, and returns the bytes between the syntax header and the CRC.
    /// </summary>
    private static OperationStatus TryReadSection(ReadOnlySpan<byte> payload, byte tableId, out ReadOnlySpan<byte> body,
        out int version, out bool current)
    {
        body = default;
        version = 0;
        current = false;
        if (payload.IsEmpty)
        {
            return OperationStatus.InvalidData;
        }
        var start = 1 + payload[0];
        if (start + SectionHeaderSize > payload.Length)
        {
            return start > payload.Length ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
        }
        var section = payload[start..];
        if (section[0] != tableId || (section[1] & 0x80) == 0)
        {
            return OperationStatus.InvalidData;
        }
        var sectionLength = BinaryPrimitives.ReadUInt16BigEndian(section[1..]) & 0x0FFF;
        if (sectionLength < SyntaxHeaderSize + CrcSize)
        {
            return OperationStatus.InvalidData;
        }
        if (SectionHeaderSize + sectionLength > section.Length)
        {
            return OperationStatus.NeedMoreData;
        }
        section = section[..(SectionHeaderSize + sectionLength)];
        if (Crc32Mpeg2.Compute(section) != 0)
        {
            return OperationStatus.InvalidData;
        }
        version = (section[SectionHeaderSize + 2] >> 1) & 0x1F;
        current = (section[SectionHeaderSize + 2] & 0x01) != 0;
        body = section[(SectionHeaderSize + SyntaxHeaderSize)..^CrcSize];
        return OperationStatus.Done;
    }
}
