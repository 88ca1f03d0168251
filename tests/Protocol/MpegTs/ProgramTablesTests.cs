using System.Buffers;
using System.Buffers.Binary;
using Castd.Protocol.MpegTs;

namespace Castd.Tests.Protocol.MpegTs;

public sealed class ProgramTablesTests
{
    [Fact]
    public void TryReadPat_RealFile_NamesFfprobesProgramAndPmtPid()
    {
        var (number, pmtPid, _) = Ffprobe.Program(TestMedia.H264);

        Assert.Equal(OperationStatus.Done, ProgramTables.TryReadPat(FirstPayloadOf(TestMedia.H264, TsPacket.PatPid), out var pat));
        Assert.Equal(number, pat.ProgramNumber);
        Assert.Equal(pmtPid, pat.PmtPid);
        Assert.True(pat.IsCurrent);
    }

    [Theory]
    [InlineData("h264-aac.ts", TsStreamType.H264)]
    [InlineData("hevc-aac.ts", TsStreamType.Hevc)]
    public void TryReadPmt_RealFile_NamesFfprobesStreams(string name, TsStreamType videoType)
    {
        var file = TestMedia.PathOf(name);
        var (number, pmtPid, pcrPid) = Ffprobe.Program(file);
        var streams = Ffprobe.Streams(file);

        Assert.Equal(OperationStatus.Done, ProgramTables.TryReadPmt(FirstPayloadOf(file, pmtPid), out var map));
        Assert.Equal(number, map.ProgramNumber);
        Assert.Equal(pcrPid, map.PcrPid);
        Assert.Equal(streams.Single(s => s.Codec is "h264" or "hevc").Pid, map.VideoPid);
        Assert.Equal(videoType, map.VideoType);
        Assert.Equal(streams.Single(s => s.Codec == "aac").Pid, map.AudioPid);
        Assert.Equal(TsStreamType.AacAdts, map.AudioType);
    }

    [Fact]
    public void TryReadPat_SectionLengthPastThePacket_NeedsMoreData()
    {
        var payload = FirstPayloadOf(TestMedia.H264, TsPacket.PatPid);
        // section_length is 12 bits: claim the most (1021 for a PAT, ISO/IEC 13818-1 2.4.4.5) and beyond.
        foreach (var length in new[] { 200, 1021, 0xFFF })
        {
            SetSectionLength(payload, length);
            Assert.Equal(OperationStatus.NeedMoreData, ProgramTables.TryReadPat(payload, out _));
        }
    }

    [Fact]
    public void TryReadPat_PointerFieldPastThePacket_IsInvalid()
    {
        var payload = FirstPayloadOf(TestMedia.H264, TsPacket.PatPid);
        payload[0] = 250;
        Assert.Equal(OperationStatus.InvalidData, ProgramTables.TryReadPat(payload, out _));
        Assert.Equal(OperationStatus.InvalidData, ProgramTables.TryReadPat([], out _));
    }

    [Fact]
    public void TryReadPat_OneBitFlipped_FailsTheCrc()
    {
        var original = FirstPayloadOf(TestMedia.H264, TsPacket.PatPid);
        var sectionEnd = 1 + original[0] + 3 + (BinaryPrimitives.ReadUInt16BigEndian(original.AsSpan(2)) & 0xFFF);
        for (var bit = 8 * (1 + original[0] + 3); bit < 8 * sectionEnd; bit++)
        {
            var payload = (byte[])original.Clone();
            payload[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(OperationStatus.InvalidData, ProgramTables.TryReadPat(payload, out _));
        }
    }

    [Fact]
    public void TryReadPmt_EsInfoLengthPastTheSection_IsInvalidEvenWithAGoodCrc()
    {
        var (_, pmtPid, _) = Ffprobe.Program(TestMedia.H264);
        var payload = FirstPayloadOf(TestMedia.H264, pmtPid);
        var section = 1 + payload[0];
        var programInfoLength = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(section + 10)) & 0xFFF;
        // The first stream's ES_info_length, 3 bytes into its entry after the 12-byte header and program descriptors.
        var esInfo = section + 12 + programInfoLength + 3;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(esInfo), 0xF000 | 0x3FF);
        Recrc(payload);

        Assert.Equal(OperationStatus.InvalidData, ProgramTables.TryReadPmt(payload, out _));
    }

    [Fact]
    public void TryReadPmt_ProgramInfoLengthPastTheSection_IsInvalidEvenWithAGoodCrc()
    {
        var (_, pmtPid, _) = Ffprobe.Program(TestMedia.H264);
        var payload = FirstPayloadOf(TestMedia.H264, pmtPid);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(1 + payload[0] + 10), 0xF000 | 0xFFF);
        Recrc(payload);

        Assert.Equal(OperationStatus.InvalidData, ProgramTables.TryReadPmt(payload, out _));
    }

    [Fact]
    public void TryReadPmt_APat_IsInvalid() =>
        Assert.Equal(OperationStatus.InvalidData, ProgramTables.TryReadPmt(FirstPayloadOf(TestMedia.H264, TsPacket.PatPid), out _));

    private static byte[] FirstPayloadOf(string file, int pid)
    {
        var bytes = File.ReadAllBytes(file);
        for (var i = 0; i < bytes.Length; i += TsPacket.Size)
        {
            TsPacket.TryRead(bytes.AsSpan(i), out var packet);
            if (packet.Pid == pid && packet.PayloadUnitStart)
            {
                return packet.Payload.ToArray();
            }
        }
        throw new InvalidOperationException($"no section on PID {pid}");
    }

    private static void SetSectionLength(byte[] payload, int length)
    {
        var at = 1 + payload[0] + 1;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(at), (ushort)((payload[at] & 0xF0) << 8 | length));
    }

    private static void Recrc(byte[] payload)
    {
        var start = 1 + payload[0];
        var end = start + 3 + (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(start + 1)) & 0xFFF);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(end - 4), Crc32Mpeg2.Compute(payload.AsSpan(start, end - start - 4)));
    }
}
