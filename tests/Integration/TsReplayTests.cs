using System.Buffers;
using System.Globalization;
using Castd.Protocol.MpegTs;
using Castd.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Castd.Tests.Integration;

/// <summary>
/// <c>castload source --ts</c> through a real castd to a raw TCP viewer (docs/playback.md): the viewer's bytes are the file's
/// TS packets, in real time by their PCR, and they decode clean, across the loop point too.
/// </summary>
public sealed class TsReplayTests(ITestOutputHelper output)
{
    /// <summary>
    /// How long the viewer's bytes are timed: past the 6.4 s loop point and the keyframe 2 s after it, so the loop point
    /// lies between two keyframes of the checked part.
    /// </summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SourceTs_RawViewer_GetsRealTimeMediaThatDecodesCleanFromItsFirstKeyframeAcrossTheLoopPoint()
    {
        var file = TestMedia.H264;
        using var data = new TempDirectory();
        var sourcePort = FreePorts.Next();
        await using var castd = await CastdProcess.StartAsync(data.Path, sourcePort);
        await castd.RegisterAsync("fan-1");
        var source = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "zato01",
             "--ts", file, "--duration", "14s"]);

        await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "fan-1 zato01\n");
        await viewer.WaitForLengthAsync(1, TimeSpan.FromSeconds(10));
        var start = viewer.ReceivedLength;
        await Task.Delay(Window);
        var end = viewer.ReceivedLength;
        var received = viewer.Received;
        var (sourceExit, sourceOutput) = await source;
        Assert.True(sourceExit == 0, sourceOutput);

        // Pacing: the PCRs in what arrived during the window span as much media time as the window's wall time.
        var media = MediaSeconds(received.AsSpan((int)(start / TsPacket.Size * TsPacket.Size), (int)(end - start) / TsPacket.Size * TsPacket.Size));
        output.WriteLine($"media {media:0.000} s in {Window.TotalSeconds} s of wall time ({media / Window.TotalSeconds - 1:+0.0%;-0.0%})");
        Assert.InRange(media, Window.TotalSeconds * 0.85, Window.TotalSeconds * 1.15);

        // The loop point is inside, and it is marked where the new time base starts: the packet with the first PCR.
        var loopPcr = PacketsOf(received).Where(p => p.StepBack).ToList();
        var loop = Assert.Single(loopPcr);
        Assert.True(loop.Discontinuity, "the first PCR after the loop point carries the discontinuity_indicator");
        // Every PID that goes on through the loop point is marked once, right after it: SDT, PAT and PMT (the file's
        // first three packets, just before the first PCR), video at the PCR, audio within its first PES (< 0.5 s).
        var loopStart = loop.Position - 3 * TsPacket.Size;
        var marked = MarkedPackets(received);
        var continuing = PidsAt(received, 0, (int)loopStart).Intersect(PidsAt(received, (int)loopStart, received.Length)).Order().ToList();
        Assert.Equal(5, continuing.Count);
        Assert.Equal(continuing, marked.Select(m => m.Pid).Order());
        var halfSecond = (long)(new FileInfo(file).Length / Ffprobe.Duration(file) / 2);
        Assert.All(marked, m => Assert.InRange(m.Position, loopStart, loop.Position + halfSecond));

        // A raw viewer joins mid-GOP and stops mid-frame. What a player can show is from its first keyframe to its
        // last: the check cuts there, at the PAT before each keyframe (ffmpeg sends PAT and PMT in front of every
        // keyframe), with the keyframes found by ffprobe, not by the code under test. Any error ffmpeg prints about
        // what is left, loop point included, is a real one.
        using var folder = new TempDirectory();
        var saved = Path.Combine(folder.Path, "saved.ts");
        await File.WriteAllBytesAsync(saved, received);
        var keyframes = Ffprobe.KeyframePositions(saved);
        var (from, to) = (TsBytes.LastPatBefore(received, keyframes[0]), TsBytes.LastPatBefore(received, keyframes[^1]));
        Assert.True(loop.Position > from && loop.Position < to, $"the loop point {loop.Position} lies inside the checked part {from}..{to}");
        var cut = Path.Combine(folder.Path, "keyframe-to-keyframe.ts");
        await File.WriteAllBytesAsync(cut, received[(int)from..(int)to]);

        var (exit, errors) = await DotnetRun.RunProgramAsync("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-i", cut, "-f", "null", "-"]);
        Assert.True(exit == 0 && errors.Length == 0, $"ffmpeg: {errors}");
        // And it decoded video all through: a frame per 40 ms (25 fps) of the part's media time.
        var expectedFrames = MediaSeconds(received.AsSpan((int)from, (int)(to - from))) * 25;
        Assert.InRange(Ffprobe.DecodedVideoFrames(cut), expectedFrames - 3, expectedFrames + 3);
    }

    [Fact]
    public async Task SourceTs_FileThatIsNotTs_IsRefusedWithExit2BeforeListening()
    {
        using var folder = new TempDirectory();
        var text = Path.Combine(folder.Path, "not.ts");
        await File.WriteAllTextAsync(text, new string('x', 7 * TsPacket.Size));

        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", FreePorts.Next().ToString(CultureInfo.InvariantCulture), "--ts", text]);

        Assert.Equal(2, exit);
        Assert.Contains("is not MPEG-TS: no sync byte in a whole 188-byte packet at offset 0", output, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SourceTs_TsFileWithoutPcr_IsRefusedWithExit2()
    {
        // Only the first three packets (SDT, PAT, PMT) of a real file: valid TS, but no clock to pace by.
        using var folder = new TempDirectory();
        var tables = Path.Combine(folder.Path, "tables.ts");
        await File.WriteAllBytesAsync(tables, File.ReadAllBytes(TestMedia.H264)[..(3 * TsPacket.Size)]);

        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", FreePorts.Next().ToString(CultureInfo.InvariantCulture), "--ts", tables]);

        Assert.Equal(2, exit);
        Assert.Contains("has no program clock references to pace by", output, StringComparison.Ordinal);
    }

    /// <summary>Media time in a stretch of TS: the sum of the PCR steps, a step back (the loop point) counting as one mean step.</summary>
    private static double MediaSeconds(ReadOnlySpan<byte> bytes)
    {
        var steps = new List<long>();
        long previous = -1;
        var pcrPid = -1;
        var scanner = new TsScanner();
        for (var i = 0; i + TsPacket.Size <= bytes.Length; i += TsPacket.Size)
        {
            scanner.Scan(bytes.Slice(i, TsPacket.Size));
            pcrPid = scanner.PcrPid;
            if (TsPacket.TryRead(bytes[i..], out var packet) == OperationStatus.Done && packet.Pid == pcrPid && packet.HasPcr)
            {
                if (previous >= 0)
                {
                    steps.Add(packet.Pcr - previous);
                }
                previous = packet.Pcr;
            }
        }
        var forward = steps.Where(s => s >= 0).ToList();
        return (forward.Sum() + (steps.Count - forward.Count) * forward.Average()) / TsPacket.PcrHz;
    }

    private static List<(long Position, bool StepBack, bool Discontinuity)> PacketsOf(byte[] bytes)
    {
        var pcrs = new List<(long, bool, bool)>();
        var scanner = new TsScanner();
        long previous = -1;
        for (var i = 0; i + TsPacket.Size <= bytes.Length; i += TsPacket.Size)
        {
            scanner.Scan(bytes.AsSpan(i, TsPacket.Size));
            if (TsPacket.TryRead(bytes.AsSpan(i), out var packet) == OperationStatus.Done && packet.Pid == scanner.PcrPid && packet.HasPcr)
            {
                pcrs.Add((i, previous >= 0 && packet.Pcr < previous, packet.Discontinuity));
                previous = packet.Pcr;
            }
        }
        return pcrs;
    }

    private static List<(int Pid, long Position)> MarkedPackets(byte[] bytes)
    {
        var marked = new List<(int, long)>();
        for (var i = 0; i + TsPacket.Size <= bytes.Length; i += TsPacket.Size)
        {
            if (TsPacket.TryRead(bytes.AsSpan(i), out var packet) == OperationStatus.Done && packet.Discontinuity)
            {
                marked.Add((packet.Pid, i));
            }
        }
        return marked;
    }

    private static HashSet<int> PidsAt(byte[] bytes, int from, int to)
    {
        var pids = new HashSet<int>();
        for (var i = from; i + TsPacket.Size <= to; i += TsPacket.Size)
        {
            if (TsPacket.TryRead(bytes.AsSpan(i), out var packet) == OperationStatus.Done)
            {
                pids.Add(packet.Pid);
            }
        }
        return pids;
    }
}
