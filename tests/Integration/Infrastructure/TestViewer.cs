using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>A viewer connection for tests: sends a request line and collects every byte castd sends back.</summary>
internal sealed class TestViewer : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly MemoryStream _received = new();
    private Task? _reading;

    public static async Task<TestViewer> ConnectAsync(int port, string? requestLine, bool read = true)
    {
        var viewer = new TestViewer();
        await viewer._socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        if (requestLine is not null)
        {
            await viewer._socket.SendAsync(Encoding.ASCII.GetBytes(requestLine));
        }
        if (read)
        {
            viewer._reading = viewer.ReadAllAsync();
        }
        return viewer;
    }

    /// <summary>
    /// A bare socket to castd's stream port from another local address (127.0.0.x, or an IPv6 address in a prefix
    /// routed to lo), which castd sees as another client.
    /// </summary>
    public static async Task<Socket> ConnectFromAsync(IPAddress from, int port)
    {
        var socket = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (from.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // IP_FREEBIND (SOL_IP 0, option 15): Linux lets IPv6 bind only to an address assigned to an interface, not
            // to one a local route covers, as 127.0.0.0/8 is for IPv4.
            socket.SetRawSocketOption(0, 15, BitConverter.GetBytes(1));
        }
        socket.Bind(new IPEndPoint(from, 0));
        var loopback = from.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        await socket.ConnectAsync(new IPEndPoint(loopback, port));
        return socket;
    }

    public Socket Socket => _socket;

    public bool Closed { get; private set; }

    public byte[] Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    public string ReceivedText => Encoding.ASCII.GetString(Received);

    /// <summary>Bytes received so far, without copying them (cheap enough to poll during a flood).</summary>
    public long ReceivedLength
    {
        get
        {
            lock (_received)
            {
                return _received.Length;
            }
        }
    }

    public async Task WaitForLengthAsync(long length, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ReceivedLength < length)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"viewer got {ReceivedLength} of {length} bytes, closed={Closed}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until castd closes the connection; returns what it sent.</summary>
    public async Task<string> ReadUntilClosedAsync(TimeSpan timeout)
    {
        await _reading!.WaitAsync(timeout);
        return ReceivedText;
    }

    public async Task WaitForAsync(Func<byte[], bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Received))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"viewer condition not met; {Received.Length} bytes received, closed={Closed}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Splits a framed stream into (sequence, payload) pairs; a partial tail frame is left out.</summary>
    public static List<(ulong Sequence, byte[] Payload)> ParseFramed(byte[] bytes)
    {
        var frames = new List<(ulong, byte[])>();
        var offset = 0;
        while (offset + 20 <= bytes.Length)
        {
            var sequence = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(offset));
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 16));
            if (offset + 20 + length > bytes.Length)
            {
                break;
            }
            frames.Add((sequence, bytes.AsSpan(offset + 20, length).ToArray()));
            offset += 20 + length;
        }
        return frames;
    }

    /// <summary>Splits a raw stream of <see cref="TestPayloads"/> using the sequence number each payload starts with.</summary>
    public static List<(ulong Sequence, byte[] Payload)> ParseRaw(byte[] bytes)
    {
        var payloads = new List<(ulong, byte[])>();
        var offset = 0;
        while (offset + 8 <= bytes.Length)
        {
            var sequence = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(offset));
            var length = TestPayloads.Length(sequence);
            if (offset + length > bytes.Length)
            {
                break;
            }
            payloads.Add((sequence, bytes.AsSpan(offset, length).ToArray()));
            offset += length;
        }
        return payloads;
    }

    private async Task ReadAllAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    break;
                }
                lock (_received)
                {
                    _received.Write(buffer, 0, read);
                }
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        Closed = true;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (_reading is not null)
        {
            await _reading;
        }
    }
}
