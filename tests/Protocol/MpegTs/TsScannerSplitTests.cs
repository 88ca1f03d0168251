using Castd.Protocol.MpegTs;

namespace Castd.Tests.Protocol.MpegTs;

/// <summary>A TS packet split between two source payloads must scan the same as the packet whole (every split point, as for the other parsers).</summary>
public sealed class TsScannerSplitTests
{
    /// <summary>40 packets hold PAT, PMT and the first keyframe's PES start with its IDR slice behind x264's SEI.</summary>
    private const int RegionPackets = 40;

    public static TheoryData<string> Files => ["h264-aac.ts", "h264-aac-norai.ts", "hevc-aac-norai.ts"];

    [Theory]
    [MemberData(nameof(Files))]
    public void Scan_SplitAtEveryIndex_ReportsTheSameAsWhole(string name)
    {
        var region = File.ReadAllBytes(TestMedia.PathOf(name)).AsSpan(0, RegionPackets * TsPacket.Size).ToArray();
        var whole = TsScanTrace.Of(region, region.Length);
        Assert.Single(whole.RandomAccessPositions);

        for (var split = 0; split <= region.Length; split++)
        {
            var trace = new TsScanTrace();
            trace.Feed(region.AsSpan(0, split));
            trace.Feed(region.AsSpan(split));

            Assert.True(whole.RandomAccessPositions.SequenceEqual(trace.RandomAccessPositions), $"split at {split}");
            Assert.True(whole.AllFlags == trace.AllFlags, $"split at {split}: {trace.AllFlags}");
            Assert.True(trace.Packets == RegionPackets, $"split at {split}: {trace.Packets} packets");
            Assert.True(trace.Scanner.VideoPid == whole.Scanner.VideoPid, $"split at {split}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Scan_OneBytePerPayload_ReportsTheSameAsWhole(string name)
    {
        var region = File.ReadAllBytes(TestMedia.PathOf(name)).AsSpan(0, RegionPackets * TsPacket.Size).ToArray();
        var whole = TsScanTrace.Of(region, region.Length);

        var trace = TsScanTrace.Of(region, 1);

        Assert.Equal(whole.RandomAccessPositions, trace.RandomAccessPositions);
        Assert.Equal(whole.AllFlags, trace.AllFlags);
        Assert.Equal(RegionPackets, trace.Packets);
        Assert.All(trace.Reports, r => Assert.True(r.IsTransportStream));
    }
}
