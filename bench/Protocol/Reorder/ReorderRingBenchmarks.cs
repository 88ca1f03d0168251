using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Castd.Protocol.Reorder;

namespace Castd.Bench.Protocol.Reorder;

/// <summary>
/// The ring against the obvious first attempt, a SortedDictionary keyed by sequence number: same input, same
/// in-order output. The baseline allocates a tree node per packet and pays O(log n) rebalancing; the ring indexes
/// a slot by <c>sequence &amp; mask</c>.
/// </summary>
[MemoryDiagnoser]
public class ReorderRingBenchmarks
{
    private const int Packets = 1024;
    private const int Displacement = 8;

    private ulong[] _sequences = [];
    private RingItem[] _items = [];
    private ReorderRing<RingItem> _ring = null!;
    private CountingSink _sink;
    private readonly SortedDictionary<ulong, RingItem> _pending = new();
    private ulong _base;
    private ulong _naiveNext;

    [GlobalSetup]
    public void Setup()
    {
        _sequences = CannedFrames.MildShuffle(Packets, Displacement, seed: 42);
        _items = Enumerable.Range(0, Packets).Select(_ => new RingItem()).ToArray();
        _ring = new ReorderRing<RingItem>(ReorderOptions.Default with { StartupHold = TimeSpan.Zero }, Stopwatch.Frequency);
        _ring.Insert(0, new RingItem(), 0, ref _sink);
        _base = 1;
        _naiveNext = 1;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Packets)]
    public long SortedDictionary()
    {
        var released = 0L;
        for (var i = 0; i < _sequences.Length; i++)
        {
            _pending[_base + _sequences[i]] = _items[i];
            while (_pending.TryGetValue(_naiveNext, out var item))
            {
                _pending.Remove(_naiveNext);
                released += item.PayloadLength + 1;
                _naiveNext++;
            }
        }
        _base += Packets;
        return released;
    }

    [Benchmark(OperationsPerInvoke = Packets)]
    public long Ring()
    {
        for (var i = 0; i < _sequences.Length; i++)
        {
            _ring.Insert(_base + _sequences[i], _items[i], 0, ref _sink);
        }
        _ring.Expire(0, ref _sink);
        _base += Packets;
        return _sink.Released;
    }
}
