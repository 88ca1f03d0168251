using System.Buffers;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Castd.Bench.Protocol.Reorder;
using Castd.Protocol.Reorder;
using Castd.Protocol.Source;

namespace Castd.Bench.Protocol;

/// <summary>
/// The ingest loop's CPU work per packet, sockets aside: parse the header, put the packet in its ring, release
/// in-order runs, Expire once per batch. Target: ≤ 100 ns a packet (10 million packets/s on one core), 0 B.
/// </summary>
[MemoryDiagnoser]
public class IngestPathBenchmarks
{
    /// <summary>One read batch (the PACKET_BATCH_SIZE scale) and one default reorder window.</summary>
    private const int Packets = 1024;

    /// <summary>Mild network reordering: no packet more than 8 places from home.</summary>
    private const int Displacement = 8;

    /// <summary>20 ms of media a packet (docs/source.md), so the fake clock moves like a real channel.</summary>
    private static readonly long BatchTicks = Stopwatch.Frequency / 50 * Packets;

    private ReadOnlySequence<byte> _frames;
    private RingItem[] _items = [];
    private ReorderRing<RingItem> _ring = null!;
    private CountingSink _sink;
    private ulong _base;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        _frames = new ReadOnlySequence<byte>(CannedFrames.Build(CannedFrames.MildShuffle(Packets, Displacement, seed: 42)));
        _items = Enumerable.Range(0, Packets).Select(_ => new RingItem()).ToArray();
        _ring = new ReorderRing<RingItem>(ReorderOptions.Default, Stopwatch.Frequency);
        // A channel already live: sequence 0 went through and the start-up hold is over, so each batch
        // continues the stream where the previous one stopped.
        _ring.Insert(0, new RingItem(), _now, ref _sink);
        _now += Stopwatch.Frequency;
        _ring.Expire(_now, ref _sink);
        _base = 1;
    }

    [Benchmark(OperationsPerInvoke = Packets)]
    public long ParseAndReorder()
    {
        var reader = new SequenceReader<byte>(_frames);
        var index = 0;
        while (SourceFrameReader.TryRead(ref reader, SourceFrameReader.DefaultMaxPayload, out var packet))
        {
            // The canned batch holds 0..1023; offsetting by the batch base makes consecutive invocations one
            // continuous stream, and every item is released before the next batch reuses it.
            var item = _items[index++];
            item.PayloadLength = (int)packet.Payload.Length;
            _ring.Insert(_base + packet.Sequence, item, _now, ref _sink);
        }
        _now += BatchTicks;
        _ring.Expire(_now, ref _sink);
        _base += Packets;
        return _sink.Released;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // A benchmark that silently dropped packets would look fast; refuse to report it.
        if (_ring.Held != 0 || _ring.Counters.Lost != 0 || _ring.Counters.Late != 0)
        {
            throw new InvalidOperationException(
                $"ring not drained: held {_ring.Held}, lost {_ring.Counters.Lost}, late {_ring.Counters.Late}");
        }
    }
}
