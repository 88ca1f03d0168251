using BenchmarkDotNet.Attributes;
using Castd.Protocol.Buffers;

namespace Castd.Bench.Protocol.Buffers;

/// <summary>The one copy a packet gets in castd (docs/source.md): rent a pooled buffer, fill it from the socket, release it.</summary>
[MemoryDiagnoser]
public class PacketBufferBenchmarks
{
    private const int Packets = 1024;

    private readonly PacketBufferPool _pool = new();
    private readonly byte[] _payload = new byte[CannedFrames.PayloadSize];

    [GlobalSetup]
    public void Setup() => Random.Shared.NextBytes(_payload);

    [Benchmark(OperationsPerInvoke = Packets)]
    public int RentInitializeCopyRelease()
    {
        var total = 0;
        for (var i = 0; i < Packets; i++)
        {
            var buffer = _pool.Rent();
            _payload.CopyTo(buffer.Initialize((ulong)i, i, (ulong)i, _payload.Length));
            total += buffer.PayloadLength;
            buffer.Release();
        }
        return total;
    }
}
