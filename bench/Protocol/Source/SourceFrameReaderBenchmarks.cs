using System.Buffers;
using BenchmarkDotNet.Attributes;
using Castd.Protocol.Source;

namespace Castd.Bench.Protocol.Source;

/// <summary>Parsing cost per frame, contiguous and across 4 KiB segments (a Pipe's default segment size).</summary>
[MemoryDiagnoser]
public class SourceFrameReaderBenchmarks
{
    private const int Frames = 1024;
    private const int SegmentSize = 4096;

    private ReadOnlySequence<byte> _contiguous;
    private ReadOnlySequence<byte> _segmented;

    [GlobalSetup]
    public void Setup()
    {
        var bytes = CannedFrames.Build(Enumerable.Range(0, Frames).Select(i => (ulong)i).ToArray());
        _contiguous = new ReadOnlySequence<byte>(bytes);
        _segmented = CannedFrames.Segmented(bytes, SegmentSize);
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public ulong Contiguous() => ReadAll(_contiguous);

    /// <summary>About one header in three straddles a segment boundary (1339-byte frames in 4096-byte segments).</summary>
    [Benchmark(OperationsPerInvoke = Frames)]
    public ulong Segmented() => ReadAll(_segmented);

    private static ulong ReadAll(ReadOnlySequence<byte> sequence)
    {
        var reader = new SequenceReader<byte>(sequence);
        ulong checksum = 0;
        while (SourceFrameReader.TryRead(ref reader, SourceFrameReader.DefaultMaxPayload, out var packet))
        {
            checksum += packet.Sequence + (ulong)packet.Payload.Length;
        }
        return checksum;
    }
}
