using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Castd.Daemon.Streams;

namespace Castd.Bench.Daemon;

/// <summary>
/// One viewer send of a batch of packets over real loopback TCP, a drain thread reading the other end: castd's
/// direct sendmsg against .NET's own gather send (Socket.Send with a segment list), which allocates an iovec array
/// and a GCHandle array per call. One operation is one packet.
/// </summary>
[MemoryDiagnoser]
public class GatherSendBenchmarks
{
    private const int Packets = 64;

    private readonly List<ArraySegment<byte>> _segments = [];
    private Socket _sender = null!;
    private Socket _receiver = null!;
    private Thread _drain = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _sender = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _sender.Connect(listener.LocalEndPoint!);
        _receiver = listener.Accept();
        // Room for many batches, so the direct send (which never waits) almost always takes the whole batch.
        _sender.SendBufferSize = _receiver.ReceiveBufferSize = 8 << 20;
        for (var i = 0; i < Packets; i++)
        {
            _segments.Add(new ArraySegment<byte>(GC.AllocateArray<byte>(1336, pinned: true)));
        }
        _drain = new Thread(() =>
        {
            var buffer = new byte[1 << 20];
            try
            {
                while (_receiver.Receive(buffer) > 0)
                {
                }
            }
            catch (SocketException)
            {
            }
        })
        { IsBackground = true };
        _drain.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // The drain must see the end of the stream before its socket goes: a Receive on a disposed socket throws
        // ObjectDisposedException on the drain thread, which aborts the whole benchmark process.
        _sender.Dispose();
        _drain.Join();
        _receiver.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Packets)]
    public long DirectSendmsg() => GatherSend.TrySend(_sender.SafeHandle, CollectionsMarshal.AsSpan(_segments), out _);

    [Benchmark(Baseline = true, OperationsPerInvoke = Packets)]
    public long SocketSendSegmentList() => _sender.Send(_segments);
}
