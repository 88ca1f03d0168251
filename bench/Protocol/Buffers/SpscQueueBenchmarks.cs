using BenchmarkDotNet.Attributes;
using Castd.Protocol.Buffers;

namespace Castd.Bench.Protocol.Buffers;

/// <summary>
/// The hand-off cost of a viewer queue, one thread: a batch in, a batch out. Cross-core cache traffic is the
/// load harness's business; this pins the per-item instruction cost and the 0 B budget.
/// </summary>
[MemoryDiagnoser]
public class SpscQueueBenchmarks
{
    private const int Items = 1024;

    private readonly SpscQueue<object> _queue = new(Items);
    private readonly object[] _items = Enumerable.Range(0, Items).Select(_ => new object()).ToArray();

    [Benchmark(OperationsPerInvoke = Items)]
    public int EnqueueThenDequeue()
    {
        foreach (var item in _items)
        {
            _queue.TryEnqueue(item);
        }
        var dequeued = 0;
        while (_queue.TryDequeue(out _))
        {
            dequeued++;
        }
        return dequeued;
    }
}
