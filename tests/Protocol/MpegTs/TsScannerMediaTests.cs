using Castd.Protocol.MpegTs;

namespace Castd.Tests.Protocol.MpegTs;

/// <summary>The scanner on real ffmpeg output, held to what ffprobe says about the same files.</summary>
public sealed class TsScannerMediaTests
{
    public static TheoryData<string, TsStreamType> VideoFiles => new()
    {
        { "h264-aac.ts", TsStreamType.H264 },
        { "h264-aac-norai.ts", TsStreamType.H264 },
        { "hevc-aac.ts", TsStreamType.Hevc },
        { "hevc-aac-norai.ts", TsStreamType.Hevc },
    };

    [Theory]
    [MemberData(nameof(VideoFiles))]
    public void Scan_RealFileIn1316BytePayloads_RandomAccessPointsAreFfprobesKeyframes(string name, TsStreamType codec)
    {
        var file = TestMedia.PathOf(name);
        var expected = Ffprobe.KeyframePositions(file);

        var trace = TsScanTrace.Of(File.ReadAllBytes(file));

        // A 6.4 s file with a 2 s GOP: ffprobe sees 4 keyframes (0, 2, 4, 6 s), and the scanner finds the same TS packets.
        Assert.Equal(4, expected.Count);
        Assert.Equal(expected, trace.RandomAccessPositions);
        Assert.Equal(codec, trace.Scanner.VideoType);
        Assert.Equal(Ffprobe.Streams(file).Single(s => s.Codec is "h264" or "hevc").Pid, trace.Scanner.VideoPid);
        Assert.DoesNotContain(trace.Reports, r => !r.IsTransportStream || r.SkippedBytes > 0 || r.InvalidPackets > 0);
    }

    [Theory]
    [MemberData(nameof(VideoFiles))]
    public void Scan_RealFile_ReportsEachRandomAccessPointInThePayloadOfItsPesOrAtMostTwoLater(string name, TsStreamType codec)
    {
        _ = codec;
        var trace = TsScanTrace.Of(File.ReadAllBytes(TestMedia.PathOf(name)));

        var reported = trace.Reports.Select((r, index) => (r, index)).Where(x => x.r.HasRandomAccess).ToList();
        Assert.NotEmpty(reported);
        foreach (var (report, index) in reported)
        {
            var pesPayload = report.RandomAccessPosition / TsScanTrace.SourcePayload;
            Assert.Equal(index * (long)TsScanTrace.SourcePayload, report.PayloadPosition);
            // With the indicator the packet itself says so; without it the IDR slice may begin a payload or two later,
            // behind the encoder's first SEI (x265 writes its whole option string there, about 2 KB).
            Assert.InRange(index - pesPayload, 0, name.Contains("norai", StringComparison.Ordinal) ? 2 : 0);
        }
    }

    [Theory]
    [InlineData("h264-aac.ts", true)]
    [InlineData("h264-aac-norai.ts", false)]
    [InlineData("hevc-aac.ts", true)]
    [InlineData("hevc-aac-norai.ts", false)]
    public void TestMedia_RandomAccessIndicator_IsSetOnEveryKeyframeOrOnNone(string name, bool set)
    {
        // The no-RAI files must really exercise the IDR search: count the bit on the video PID straight from the packets.
        var bytes = File.ReadAllBytes(TestMedia.PathOf(name));
        var videoPid = TsScanTrace.Of(bytes).Scanner.VideoPid;
        var flagged = new List<long>();
        for (var i = 0; i < bytes.Length; i += TsPacket.Size)
        {
            Assert.Equal(System.Buffers.OperationStatus.Done, TsPacket.TryRead(bytes.AsSpan(i), out var packet));
            if (packet.Pid == videoPid && packet.RandomAccess)
            {
                flagged.Add(i);
            }
        }
        Assert.Equal(set ? Ffprobe.KeyframePositions(TestMedia.PathOf(name)) : [], flagged);
    }

    [Fact]
    public void Scan_AudioOnly_FindsNoVideoAndNoRandomAccessPoint()
    {
        var trace = TsScanTrace.Of(File.ReadAllBytes(TestMedia.AudioOnly));

        Assert.Empty(trace.RandomAccessPositions);
        Assert.Equal(-1, trace.Scanner.VideoPid);
        Assert.Equal(Ffprobe.Program(TestMedia.AudioOnly).PmtPid, trace.Scanner.PmtPid);
        Assert.True(trace.AllFlags.HasFlag(TsScanFlags.ProgramTables));
        Assert.All(trace.Reports, r => Assert.True(r.IsTransportStream));
    }

    [Fact]
    public void Scan_ProgramChangesMidFile_FollowsTheNewPmtAndVideoPid()
    {
        var first = File.ReadAllBytes(TestMedia.H264);
        var second = Ffprobe.Program(TestMedia.ProgramChangeSecondPart);
        // ffprobe follows only the first program through the concatenation: take each part's keyframes on its own.
        var expected = Ffprobe.KeyframePositions(TestMedia.H264)
            .Concat(Ffprobe.KeyframePositions(TestMedia.ProgramChangeSecondPart).Select(p => p + first.Length)).ToList();

        var trace = TsScanTrace.Of(File.ReadAllBytes(TestMedia.ProgramChange));

        Assert.Equal(expected, trace.RandomAccessPositions);
        Assert.Equal(second.PmtPid, trace.Scanner.PmtPid);
        Assert.Equal(second.Number, trace.Scanner.ProgramNumber);
        Assert.Equal(Ffprobe.Streams(TestMedia.ProgramChangeSecondPart).Single(s => s.Codec == "h264").Pid, trace.Scanner.VideoPid);
        Assert.NotEqual(Ffprobe.Streams(TestMedia.H264).Single(s => s.Codec == "h264").Pid, trace.Scanner.VideoPid);
        // Changed where the first PAT and PMT were read, and where the second part's PAT and PMT arrive.
        var expectedChanges = new[] { 0L, first.Length + FirstPacketOf(TestMedia.ProgramChangeSecondPart, TsPacket.PatPid),
                first.Length + FirstPacketOf(TestMedia.ProgramChangeSecondPart, second.PmtPid) }
            .Select(p => p / TsScanTrace.SourcePayload * TsScanTrace.SourcePayload).Distinct();
        var changes = trace.Reports.Where(r => r.Flags.HasFlag(TsScanFlags.ProgramChanged)).Select(r => r.PayloadPosition);
        Assert.Equal(expectedChanges, changes);
    }

    [Fact]
    public void Scan_ProgramTables_AreReportedInThePayloadsThatCarryThem()
    {
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var trace = TsScanTrace.Of(bytes);
        var (_, pmtPid, pcrPid) = Ffprobe.Program(TestMedia.H264);

        for (var index = 0; index < trace.Reports.Count; index++)
        {
            var carries = false;
            for (var i = index * TsScanTrace.SourcePayload; i < int.Min(bytes.Length, (index + 1) * TsScanTrace.SourcePayload); i += TsPacket.Size)
            {
                TsPacket.TryRead(bytes.AsSpan(i), out var packet);
                carries |= packet.Pid == TsPacket.PatPid || packet.Pid == pmtPid;
            }
            Assert.True(carries == trace.Reports[index].HasProgramTables, $"payload {index}");
        }
        Assert.Equal(pcrPid, trace.Scanner.PcrPid);
    }

    public static TheoryData<int> ChunkSizes => [1, 7, 100, 187, 188, 189, 376, 1000, 1316, 4096, 65536];

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Scan_AnyPayloadSize_FindsTheSameRandomAccessPoints(int chunk)
    {
        foreach (var file in new[] { TestMedia.H264, TestMedia.H264NoRai, TestMedia.HevcNoRai })
        {
            var bytes = File.ReadAllBytes(file);
            var trace = TsScanTrace.Of(bytes, chunk);

            Assert.Equal(Ffprobe.KeyframePositions(file), trace.RandomAccessPositions);
            Assert.Equal(bytes.Length / TsPacket.Size, trace.Packets);
        }
    }

    private static long FirstPacketOf(string file, int pid)
    {
        var bytes = File.ReadAllBytes(file);
        for (var i = 0; i < bytes.Length; i += TsPacket.Size)
        {
            TsPacket.TryRead(bytes.AsSpan(i), out var packet);
            if (packet.Pid == pid)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"no packet on PID {pid} in {file}");
    }
}
