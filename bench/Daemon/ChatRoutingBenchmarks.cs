using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Castd.Daemon.Chat;
using Castd.Protocol.Buffers;
using Castd.Storage.Chat;
using Castd.Storage.Embedded;
using Castd.Storage.Sessions;

namespace Castd.Bench.Daemon;

/// <summary>
/// A chat message from the moment castd has read it to the moment its frames are written to the connections: parse,
/// route, encode once, queue, and each receiving connection's send loop framing it through ASP.NET Core's WebSocket
/// and the batching stream (the socket itself is a frame-counting sink). One operation is one client message; the
/// benchmark waits until every frame it caused was written, so the send loops' work and allocations are counted too.
/// </summary>
[MemoryDiagnoser]
public class ChatRoutingBenchmarks
{
    /// <summary>Messages per invocation: their frames fit every connection's queue (256) without a cut.</summary>
    private const int Messages = 64;

    private const int RoomMembers = 10;

    /// <summary>A wait for frames that takes this long means the router lost some: fail, never hang the budget check.</summary>
    private static readonly TimeSpan FramesTimeout = TimeSpan.FromSeconds(30);

    private static readonly byte[] DirectMessage = """{"recipient":"gordon","message":"goal! what a finish \u00e9"}"""u8.ToArray();
    private static readonly byte[] RoomMessage = """{"room":"zato01","message":"goal! what a finish \u00e9"}"""u8.ToArray();

    private readonly List<(ChatConnection Connection, DiscardingTransport Transport, Task Running)> _connections = [];
    private string _storeDirectory = null!;
    private RocksDbStateStore _store = null!;
    private ChatOptions _options = null!;
    private ChatGate _gate = null!;
    private ChatRouter _router = null!;
    private ChatConnection _coop = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _storeDirectory = Directory.CreateTempSubdirectory("castd-bench-chat-").FullName;
        _store = RocksDbStateStore.Open(_storeDirectory);
        _options = new ChatOptions { Open = true, MaxConnectionsPerUser = 3, MaxMessageBytes = 4096, MaxRooms = 16, MessagesPerSecond = 0 };
        var (frames, counters) = (new ChatFrames(new PacketBufferPool(), TimeProvider.System), new ChatCounters());
        var roster = new ChatRoster(LocalChatBus.Instance);
        _gate = new ChatGate(_options, _store, new InMemorySessionStore(1, TimeSpan.FromMinutes(1), TimeProvider.System), LocalChatBus.Instance, roster, frames, counters);
        _router = new ChatRouter(_store, LocalChatBus.Instance, roster, frames, counters);
        _coop = await ConnectAsync("coop");
        await ConnectAsync("gordon");
        for (var i = 0; i < RoomMembers - 1; i++)
        {
            await ConnectAsync($"fan{i}");
        }
        // Every connection joins the room and is answered "joined".
        foreach (var (connection, _, _) in _connections)
        {
            Route(connection, """{"join":"zato01"}"""u8.ToArray());
        }
        WaitForFrames(_connections.Count);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (connection, transport, running) in _connections)
        {
            connection.Abort();
            transport.Dispose();
            running.Wait();
        }
        _store.Dispose();
        Directory.Delete(_storeDirectory, recursive: true);
    }

    /// <summary>coop → gordon: the message frame to gordon and the ack to coop.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void Direct() => Send(DirectMessage, framesPerMessage: 2);

    /// <summary>coop → the room (every connection, coop too): one encoding, a queued reference each, and the ack.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void Room() => Send(RoomMessage, framesPerMessage: _connections.Count + 1);

    private void Send(byte[] message, int framesPerMessage)
    {
        var target = Frames() + (Messages * framesPerMessage);
        for (var i = 0; i < Messages; i++)
        {
            Route(_coop, message);
        }
        WaitForFrames(target);
    }

    /// <summary>Routes on this thread: castd alone (no fleet bus) completes every message synchronously, and the
    /// benchmark holds it to that.</summary>
    private void Route(ChatConnection connection, byte[] message)
    {
        if (!CompletedSynchronously(_router.OnMessageAsync(connection, message)))
        {
            throw new InvalidOperationException("a message to local recipients went asynchronous");
        }
    }

    private static bool CompletedSynchronously(ValueTask routing) => routing.IsCompletedSuccessfully;

    private async Task<ChatConnection> ConnectAsync(string handle)
    {
        var transport = new DiscardingTransport();
        var batching = new BatchingUpgradeStream(transport);
        var socket = WebSocket.CreateFromStream(batching, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        var connection = new ChatConnection(socket, batching, handle, _options);
        if (await _gate.TryConnectAsync(connection) is { } refused)
        {
            throw new InvalidOperationException(refused);
        }
        _connections.Add((connection, transport, Task.Run(() => connection.RunAsync(_router.OnMessageAsync, _router.OnError, CancellationToken.None))));
        return connection;
    }

    /// <summary>A plain loop: a LINQ sum would allocate inside the measured operation.</summary>
    private long Frames()
    {
        long total = 0;
        for (var i = 0; i < _connections.Count; i++)
        {
            total += _connections[i].Transport.Frames;
        }
        return total;
    }

    private void WaitForFrames(long target)
    {
        var spin = new SpinWait();
        var started = Environment.TickCount64;
        while (Frames() < target)
        {
            spin.SpinOnce();
            if (Environment.TickCount64 - started > FramesTimeout.TotalMilliseconds)
            {
                throw new TimeoutException($"{Frames()} of {target} chat frames written after {FramesTimeout.TotalSeconds} s");
            }
        }
    }
}
