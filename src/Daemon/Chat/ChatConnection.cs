using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Castd.Protocol.Buffers;

namespace Castd.Daemon.Chat;

/// <summary>
/// One chat WebSocket: a receive loop that hands each whole message to the hub, and a send loop draining a bounded
/// queue of shared encoded frames. A client that stops reading fills its queue and is cut; senders never wait.
/// </summary>
internal sealed class ChatConnection(WebSocket socket, string handle, int maxMessageBytes)
{
    /// <summary>Frames a connection may have waiting: far more than a reading client ever holds.</summary>
    private const int QueueCapacity = 256;

    private readonly Channel<PacketBuffer> _outbox = Channel.CreateBounded<PacketBuffer>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _closing = new();
    private readonly Lock _roomsLock = new();
    private readonly HashSet<string> _rooms = [];

    public string Handle { get; } = handle;

    /// <summary>Set when castd cut the connection because it did not read.</summary>
    public bool CutAsSlow { get; private set; }

    /// <summary>Queues a frame (taking a reference of its own); a full queue cuts the connection instead of waiting.</summary>
    public void Send(PacketBuffer frame)
    {
        frame.AddRef();
        if (!_outbox.Writer.TryWrite(frame))
        {
            frame.Release();
            CutAsSlow = true;
            Abort();
        }
    }

    /// <summary>Rooms joined, so leaving the chat can leave them all.</summary>
    public bool Join(string room)
    {
        lock (_roomsLock)
        {
            return _rooms.Add(room);
        }
    }

    public bool Leave(string room)
    {
        lock (_roomsLock)
        {
            return _rooms.Remove(room);
        }
    }

    public bool IsIn(string room)
    {
        lock (_roomsLock)
        {
            return _rooms.Contains(room);
        }
    }

    public string[] Rooms()
    {
        lock (_roomsLock)
        {
            return [.. _rooms];
        }
    }

    /// <summary>Runs both loops until the client leaves or is cut; <paramref name="onMessage"/> gets each whole text message.</summary>
    public async Task RunAsync(Action<ChatConnection, ReadOnlyMemory<byte>> onMessage, Action<ChatConnection, string> onError, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closing.Token);
        var sending = SendLoopAsync(linked.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(maxMessageBytes + 1);
        try
        {
            await ReceiveLoopAsync(buffer, onMessage, onError, linked.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _outbox.Writer.TryComplete();
            Abort();
            await sending;
            while (_outbox.Reader.TryRead(out var left))
            {
                left.Release();
            }
        }
    }

    /// <summary>Closes the connection now, without a closing handshake (a stalled client would never complete one).</summary>
    public void Abort()
    {
        _closing.Cancel();
        socket.Abort();
    }

    private async Task ReceiveLoopAsync(byte[] buffer, Action<ChatConnection, ReadOnlyMemory<byte>> onMessage, Action<ChatConnection, string> onError, CancellationToken cancellationToken)
    {
        while (true)
        {
            var length = 0;
            var tooLarge = false;
            ValueWebSocketReceiveResult result;
            do
            {
                // Past the limit the rest of the message is read into the same spare byte and dropped.
                var room = tooLarge ? buffer.AsMemory(maxMessageBytes, 1) : buffer.AsMemory(length);
                result = await socket.ReceiveAsync(room, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }
                if (!tooLarge)
                {
                    length += result.Count;
                    tooLarge = length > maxMessageBytes;
                }
            }
            while (!result.EndOfMessage);

            if (tooLarge)
            {
                onError(this, $"message too large: at most {maxMessageBytes} bytes");
            }
            else
            {
                // Binary messages are read as UTF-8 JSON too; text ones arrive here already UTF-8-checked by the
                // WebSocket layer, which closes with 1007 on invalid text as RFC 6455 requires.
                onMessage(this, buffer.AsMemory(0, length));
            }
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var frame))
                {
                    try
                    {
                        await socket.SendAsync(frame.Raw.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                    }
                    finally
                    {
                        frame.Release();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            Abort();
        }
    }
}
