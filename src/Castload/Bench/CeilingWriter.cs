using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Castd.Castload.Bench;

/// <summary>
/// The loopback ceiling castd is measured against: the least a server could do to move the same bytes — one thread
/// writing 64 KiB chunks round-robin to every subscriber's socket, nothing else.
/// </summary>
internal sealed class CeilingWriter : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly Socket _listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];
    private long _sentBytes;

    public CeilingWriter()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public long SentBytes => Volatile.Read(ref _sentBytes);

    /// <summary>The subscriber's half: nothing to subscribe to, and every byte counts.</summary>
    public static ISubscriberProtocol Subscriber { get; } = new BytesOnly();

    public async Task AcceptAsync(int count, CancellationToken cancellationToken)
    {
        while (_accepted.Count < count)
        {
            _accepted.Add(await _listener.AcceptAsync(cancellationToken));
        }
    }

    /// <summary>
    /// Writes on a thread of its own until cancelled, never waiting on one socket while another has room: each round
    /// asks the kernel which sockets can take more and sends a chunk to each of those.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.Factory.StartNew(() =>
    {
        var chunk = new byte[ChunkSize];
        var live = new List<Socket>(_accepted);
        live.ForEach(s => s.Blocking = false);
        var writable = new List<Socket>(live.Count);
        while (!cancellationToken.IsCancellationRequested && live.Count > 0)
        {
            writable.Clear();
            writable.AddRange(live);
            Socket.Select(null, writable, null, 100_000);
            foreach (var socket in writable)
            {
                var sent = socket.Send(chunk, 0, chunk.Length, SocketFlags.None, out var error);
                if (error == SocketError.Success)
                {
                    Interlocked.Add(ref _sentBytes, sent);
                }
                else if (error != SocketError.WouldBlock)
                {
                    live.Remove(socket);
                }
            }
        }
    }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose()
    {
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }
        _listener.Dispose();
    }

    private sealed class BytesOnly : ISubscriberProtocol
    {
        public ValueTask SubscribeAsync(Socket socket, PipeReader reader, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public bool TryRead(ref SequenceReader<byte> reader, Socket socket, out Delivery delivery)
        {
            delivery = new Delivery(reader.Remaining, -1, 0);
            reader.AdvanceToEnd();
            return delivery.PayloadBytes > 0;
        }
    }
}
