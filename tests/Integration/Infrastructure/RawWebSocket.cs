using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>
/// A WebSocket client that writes frames byte by byte (RFC 6455 §5.2), for the frames a well-behaved client library
/// refuses to send: continuations without a start, fragmented control frames, lengths no message has.
/// </summary>
internal sealed class RawWebSocket : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public static async Task<RawWebSocket> ConnectAsync(int httpPort, string path)
    {
        var client = new RawWebSocket();
        await client._socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, httpPort));
        await client._socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        var head = new List<byte>();
        var one = new byte[1];
        while (!System.Runtime.InteropServices.CollectionsMarshal.AsSpan(head).EndsWith("\r\n\r\n"u8))
        {
            Assert.Equal(1, await client._socket.ReceiveAsync(one));
            head.Add(one[0]);
        }
        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString([.. head]), StringComparison.Ordinal);
        return client;
    }

    /// <summary>A client frame: masked (with a zero mask, so the payload goes as given), any opcode, FIN as asked, and
    /// the payload length as declared, which may exceed what is sent.</summary>
    public async Task SendFrameAsync(int opcode, bool fin, byte[] payload, ulong? declaredLength = null)
    {
        var length = declaredLength ?? (ulong)payload.Length;
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        if (length < 126)
        {
            frame.Add((byte)(0x80 | (int)length));
        }
        else
        {
            frame.Add(0x80 | 127);
            var extended = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(extended, length);
            frame.AddRange(extended);
        }
        frame.AddRange(new byte[4]);
        frame.AddRange(payload);
        await _socket.SendAsync(frame.ToArray());
    }

    /// <summary>Reads server frames until a close frame and returns its status code; null if the connection ends without one.</summary>
    public async Task<int?> ReceiveCloseStatusAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var received = new List<byte>();
        var chunk = new byte[4096];
        while (true)
        {
            // Server frames are unmasked: 2 header bytes, a 16- or 64-bit extended length, the payload.
            while (received.Count >= 2)
            {
                var opcode = received[0] & 0x0F;
                var (headerLength, payloadLength) = (received[1] & 0x7F) switch
                {
                    126 when received.Count >= 4 => (4, BinaryPrimitives.ReadUInt16BigEndian([received[2], received[3]])),
                    127 when received.Count >= 10 => (10, (int)BinaryPrimitives.ReadUInt64BigEndian(received.GetRange(2, 8).ToArray())),
                    < 126 and var small => (2, small),
                    _ => (-1, 0),
                };
                if (headerLength < 0 || received.Count < headerLength + payloadLength)
                {
                    break;
                }
                if (opcode == 0x8)
                {
                    return payloadLength >= 2 ? BinaryPrimitives.ReadUInt16BigEndian([received[2], received[3]]) : null;
                }
                received.RemoveRange(0, headerLength + payloadLength);
            }
            var count = await _socket.ReceiveAsync(chunk, cancel.Token);
            if (count == 0)
            {
                return null;
            }
            received.AddRange(chunk.AsSpan(0, count));
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
