using BenchmarkDotNet.Attributes;
using Castd.Protocol.MpegTs;

namespace Castd.Bench.Protocol.MpegTs;

/// <summary>
/// The TS scanner's cost per 1316-byte source payload (7 TS packets), the work castd adds per packet for fast start
/// (docs/playback.md). Canned input: the first 1024 payloads (4.5 s, three keyframes) of the files scripts/make-test-media.sh
/// makes with ffmpeg at setup. Budget 0 B: the scanner runs on the ingest hot path.
/// </summary>
[MemoryDiagnoser]
public class TsScannerBenchmarks
{
    /// <summary>About 4.5 s of the 2.4 Mbit/s test media: a GOP-sized working set, like one live channel's.</summary>
    private const int Payloads = 1024;

    private const int PayloadSize = 7 * TsPacket.Size;

    private byte[] _withRai = [];
    private byte[] _withoutRai = [];
    private byte[] _notTs = [];
    private readonly TsScanner _raiScanner = new();
    private readonly TsScanner _idrScanner = new();
    private readonly TsScanner _notTsScanner = new();

    [GlobalSetup]
    public void Setup()
    {
        var media = BenchMedia.Folder();
        _withRai = File.ReadAllBytes(Path.Combine(media, "h264-aac.ts"))[..(Payloads * PayloadSize)];
        _withoutRai = File.ReadAllBytes(Path.Combine(media, "h264-aac-norai.ts"))[..(Payloads * PayloadSize)];
        // castload's synthetic payloads are the common non-TS case: a 251-periodic pattern never 188-periodic.
        _notTs = [.. Enumerable.Range(0, Payloads * PayloadSize).Select(i => (byte)(i % 251))];
    }

    /// <summary>ffmpeg's output: the random_access_indicator marks each keyframe, no slice search.</summary>
    [Benchmark(OperationsPerInvoke = Payloads)]
    public long RandomAccessIndicator() => ScanAll(_raiScanner, _withRai);

    /// <summary>No indicator anywhere: every video PES start is searched for its first slice (IDR or not).</summary>
    [Benchmark(OperationsPerInvoke = Payloads)]
    public long IdrSearch() => ScanAll(_idrScanner, _withoutRai);

    /// <summary>Not MPEG-TS: the scanner hunts for sync through every payload and gives up.</summary>
    [Benchmark(OperationsPerInvoke = Payloads)]
    public long NotTransportStream() => ScanAll(_notTsScanner, _notTs);

    /// <summary>One scanner a benchmark, fed the canned stream again each invocation: the stream simply goes on.</summary>
    private static long ScanAll(TsScanner scanner, byte[] stream)
    {
        long checksum = 0;
        for (var offset = 0; offset < stream.Length; offset += PayloadSize)
        {
            var report = scanner.Scan(stream.AsSpan(offset, PayloadSize));
            checksum += report.RandomAccessPosition + (int)report.Flags;
        }
        return checksum;
    }
}
