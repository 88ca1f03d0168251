using Castd.Protocol.MpegTs;

namespace Castd.Tests.Protocol.MpegTs;

/// <summary>Input that is damaged or not MPEG-TS at all: never an exception, never a read out of bounds, never a keyframe.</summary>
public sealed class TsScannerHostileInputTests
{
    [Fact]
    public void Scan_RandomBytesOfManyLengths_NeverThrowsAndFindsNothing()
    {
        var random = new Random(188);
        var scanner = new TsScanner();
        for (var length = 0; length <= 4000; length += 1 + length / 16)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);

            var report = new TsScanner().Scan(bytes);
            var continued = scanner.Scan(bytes);

            Assert.False(report.HasRandomAccess || continued.HasRandomAccess);
            Assert.Equal(TsScanFlags.None, (report.Flags | continued.Flags) & TsScanFlags.ProgramChanged);
            // Past two packets' length, chance sync needs three sync bytes 188 apart: 2^-24 a position.
            if (length > 2 * TsPacket.Size)
            {
                Assert.False(report.IsTransportStream, $"length {length}");
                Assert.Equal(length, report.SkippedBytes);
            }
        }
        Assert.Equal(-1, scanner.VideoPid);
        Assert.Equal(-1, scanner.PmtPid);
    }

    [Fact]
    public void Scan_SyntheticNonTsPayloads_AreReportedAsNotTransportStream()
    {
        // castload's synthetic payloads: a sequence number, a timestamp, a 251-periodic pattern (never 188-periodic).
        var scanner = new TsScanner();
        var payload = new byte[1316];
        for (var sequence = 0; sequence < 100; sequence++)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = (byte)((sequence + i) % 251);
            }
            Assert.False(scanner.Scan(payload).IsTransportStream, $"payload {sequence}");
        }
    }

    [Fact]
    public void Scan_GarbageBetweenRealStreamParts_ResyncsAndFindsTheKeyframesAfterIt()
    {
        var media = File.ReadAllBytes(TestMedia.H264);
        var keyframes = Ffprobe.KeyframePositions(TestMedia.H264);
        // The first keyframe, five payloads of random bytes, then the stream again from ten packets before the second
        // keyframe (what a source switching feeds looks like); every part a whole number of 1316-byte payloads.
        var head = media[..(int)(keyframes[1] / 2 / TsScanTrace.SourcePayload * TsScanTrace.SourcePayload)];
        var garbage = new byte[5 * TsScanTrace.SourcePayload];
        new Random(7).NextBytes(garbage);
        var resume = (int)keyframes[1] - 10 * TsPacket.Size;
        var shift = head.Length + garbage.Length - resume;

        var trace = TsScanTrace.Of([.. head, .. garbage, .. media[resume..]]);

        Assert.Equal([keyframes[0], .. keyframes.Skip(1).Select(k => k + shift)], trace.RandomAccessPositions);
        Assert.Equal(5, trace.Reports.Count(r => !r.IsTransportStream));
        Assert.Equal(Ffprobe.Streams(TestMedia.H264).Single(s => s.Codec == "h264").Pid, trace.Scanner.VideoPid);
    }

    [Fact]
    public void Scan_BadSyncBytes_SkipsToTheNextPacketAndKeepsTheKeyframes()
    {
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var keyframes = Ffprobe.KeyframePositions(TestMedia.H264);
        var total = bytes.Length / TsPacket.Size;
        // Every 50th packet that is not a keyframe's loses its sync byte.
        var broken = Enumerable.Range(1, total - 1).Where(p => p % 50 == 0 && !keyframes.Contains(p * (long)TsPacket.Size)).ToList();
        foreach (var packet in broken)
        {
            bytes[packet * TsPacket.Size] = 0x48;
        }

        var trace = TsScanTrace.Of(bytes);

        Assert.Equal(keyframes, trace.RandomAccessPositions);
        Assert.All(trace.Reports, r => Assert.True(r.IsTransportStream));
        var damaged = trace.Reports.Where(r => r.SkippedBytes > 0).Select(r => r.PayloadPosition / 1316).ToList();
        Assert.Equal(broken.Select(p => p * TsPacket.Size / 1316L).Distinct(), damaged);
        Assert.InRange(trace.Packets, total - 7 * broken.Count, total - broken.Count);
    }

    [Theory]
    [InlineData(184)]
    [InlineData(200)]
    [InlineData(255)]
    public void Scan_AdaptationFieldLongerThanThePacket_CountsAnInvalidPacketAndGoesOn(int adaptationLength)
    {
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var keyframes = Ffprobe.KeyframePositions(TestMedia.H264);
        var victim = (int)keyframes[1] + 3 * TsPacket.Size;
        bytes[victim + 3] |= 0x20;
        bytes[victim + 4] = (byte)adaptationLength;

        var trace = TsScanTrace.Of(bytes);

        Assert.Equal(keyframes, trace.RandomAccessPositions);
        var invalid = Assert.Single(trace.Reports, r => r.InvalidPackets > 0);
        Assert.Equal(victim / 1316 * 1316L, invalid.PayloadPosition);
        Assert.Equal(1, invalid.InvalidPackets);
    }

    [Fact]
    public void Scan_RealStreamWithRandomBytesFlipped_NeverThrowsAndReportsOnlyPositionsInsideTheStream()
    {
        // Damage anywhere: headers, adaptation fields, PAT/PMT, PES headers, slices. 40 packets hold all of them.
        var original = File.ReadAllBytes(TestMedia.H264NoRai).AsSpan(0, 40 * TsPacket.Size).ToArray();
        var random = new Random(1316);
        for (var round = 0; round < 2000; round++)
        {
            var bytes = (byte[])original.Clone();
            for (var flip = 0; flip < 8; flip++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var trace = TsScanTrace.Of(bytes, 1 + random.Next(2 * TsScanTrace.SourcePayload));

            Assert.All(trace.RandomAccessPositions, p => Assert.InRange(p, 0, bytes.Length - TsPacket.Size));
            Assert.Equal(bytes.Length, trace.Scanner.Position);
        }
    }
}
