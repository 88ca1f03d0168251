using BenchmarkDotNet.Attributes;
using Castd.Daemon.Channels;
using Castd.Protocol.Buffers;

namespace Castd.Bench.Daemon;

/// <summary>
/// What starting a batch's sends costs (one operation is one batch of a 1,000-viewer channel, waited for until every
/// viewer has been flushed): on the ingest thread alone, against 16 there and the other 984 posted to one delivery
/// thread. Budget 0 B: posting a part allocates nothing.
/// </summary>
[MemoryDiagnoser]
public class DeliveryBenchmarks
{
    private const int Viewers = 1000;
    private const int Batches = 256;

    private readonly DeliveryThreads _ingestOnly = new(dedicated: 0);
    private readonly DeliveryThreads _split = new(dedicated: 1);
    private readonly FlushCounter[] _subscribers = new FlushCounter[Viewers];
    private ISubscriber[] _array = [];
    private long _batchesBefore;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Viewers; i++)
        {
            _subscribers[i] = new FlushCounter();
        }
        _array = [.. _subscribers];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ingestOnly.Dispose();
        _split.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batches)]
    public long IngestThreadOnly() => FlushAll(_ingestOnly);

    [Benchmark(OperationsPerInvoke = Batches)]
    public long PostedToADeliveryThread() => FlushAll(_split);

    private long FlushAll(DeliveryThreads delivery)
    {
        for (var i = 0; i < Batches; i++)
        {
            delivery.Flush(_array);
            // The batch ends when every viewer has been flushed, whichever thread took its part.
            foreach (var subscriber in _subscribers)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref subscriber.Flushes) <= i + _batchesBefore)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
        _batchesBefore += Batches;
        return _batchesBefore;
    }

    /// <summary>A subscriber whose flush is a viewer's with nothing to gather: it only counts, in a field of its own.</summary>
    private sealed class FlushCounter : ISubscriber
    {
        public long Flushes;

        public void Enqueue(PacketBuffer packet)
        {
        }

        public void Reserve(int packets, long bytes)
        {
        }

        public void Flush() => Volatile.Write(ref Flushes, Flushes + 1);
    }
}
