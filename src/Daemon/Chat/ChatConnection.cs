using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Storage.Chat;

namespace Castd.Daemon.Chat;

/// <summary>
/// One chat WebSocket: a receive loop that hands each whole message to the router, and a send loop draining a bounded
/// queue of shared encoded frames, all it finds queued in one batch (one write and one send for the lot). A client
/// that stops reading fills its queue and is cut; senders never wait.
/// </summary>
/// <remarks>
/// Sends and receives pass no cancellation token: a cancellable call costs the WebSocket a token registration per
/// frame. <see cref="Abort"/> ends both loops instead.
/// </remarks>
internal sealed class ChatConnection(WebSocket socket, BatchingUpgradeStream? transport, string handle, ChatOptions options)
{
    /// <summary>Frames a connection may have waiting: far more than a reading client ever holds.</summary>
    private const int QueueCapacity = 256;

    /// <summary>
    /// Past this many queued frames castd stops reading the client until its queue drains: a client that sends faster
    /// than it reads its own answers is slowed down by TCP, not cut. Frames others send it still fill the queue.
    /// </summary>
    private const int ThrottleAt = QueueCapacity / 2;

    /// <summary>
    /// A message over the limit is read to its end and answered with an error, the connection kept; one still going
    /// this far past the limit will not end (a frame can declare 2^63 bytes) and is closed with 1009 instead.
    /// </summary>
    private const long EndlessMessageBytes = 1 << 20;

    /// <summary>How long a closing connection may take to send what it still has queued.</summary>
    private static readonly TimeSpan LingerOnClose = TimeSpan.FromSeconds(1);

    /// <summary>A batch stops growing here, so one busy connection cannot hold a large buffer.</summary>
    private const int MaxBatchBytes = 32 * 1024;

    private readonly Channel<PacketBuffer> _outbox = Channel.CreateBounded<PacketBuffer>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lock _roomsLock = new();
    private readonly SemaphoreSlim _drained = new(0, 1);
    private volatile bool _aborted;
    private volatile bool _throttled;
    private readonly HashSet<ChannelId> _rooms = [];
    private readonly int _maxMessageBytes = options.MaxMessageBytes;
    private MessageAllowance _allowance = new(options.MessagesPerSecond);

    public string Handle { get; } = handle;

    /// <summary>This connection's slot in its handle's fleet-wide count, once admitted.</summary>
    public ChatClaim? Claim { get; set; }

    /// <summary>Set when castd cut the connection because it did not read.</summary>
    public bool CutAsSlow { get; private set; }

    /// <summary>Queues a frame (taking a reference of its own); a full queue cuts the connection instead of waiting.</summary>
    public void Send(PacketBuffer frame)
    {
        frame.AddRef();
        if (!_outbox.Writer.TryWrite(frame))
        {
            frame.Release();
            if (!_aborted)
            {
                CutAsSlow = true;
                Abort();
            }
        }
    }

    /// <summary>Takes one message's share of CASTD_CHAT_MESSAGES_PER_SECOND; false when this connection is over it.
    /// Called from the receive loop only.</summary>
    public bool TryTakeMessage() => _allowance.TryTake();

    /// <summary>Rooms joined, so leaving the chat can leave them all: false when already in it or at
    /// CASTD_CHAT_MAX_ROOMS (<see cref="IsFull"/> tells which).</summary>
    public bool Join(ChannelId room)
    {
        lock (_roomsLock)
        {
            return _rooms.Count < options.MaxRooms && _rooms.Add(room);
        }
    }

    /// <summary>CASTD_CHAT_MAX_ROOMS.</summary>
    public int MaxRooms => options.MaxRooms;

    /// <summary>In as many rooms as one connection may be.</summary>
    public bool IsFull
    {
        get
        {
            lock (_roomsLock)
            {
                return _rooms.Count >= options.MaxRooms;
            }
        }
    }

    public bool Leave(ChannelId room)
    {
        lock (_roomsLock)
        {
            return _rooms.Remove(room);
        }
    }

    public bool IsIn(ChannelId room)
    {
        lock (_roomsLock)
        {
            return _rooms.Contains(room);
        }
    }

    public ChannelId[] Rooms()
    {
        lock (_roomsLock)
        {
            return [.. _rooms];
        }
    }

    /// <summary>Runs both loops until the client leaves or is cut; <paramref name="onMessage"/> gets each whole text message.</summary>
    public async Task RunAsync(Func<ChatConnection, ReadOnlyMemory<byte>, ValueTask> onMessage, Action<ChatConnection, string> onError, CancellationToken stopping)
    {
        using var stop = stopping.Register(static connection => ((ChatConnection)connection!).Abort(), this);
        var sending = SendLoopAsync();
        var buffer = ArrayPool<byte>.Shared.Rent(_maxMessageBytes + 1);
        try
        {
            await ReceiveLoopAsync(buffer, onMessage, onError);
        }
        catch (WebSocketException) when (!_aborted)
        {
            // The WebSocket layer failed the connection itself (a protocol error's 1002, invalid text's 1007) after
            // sending its close frame.
            await DrainBrieflyAsync(buffer);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            // What is queued goes out and the connection ends with a FIN, so a close frame already sent (a protocol
            // error's 1002, say) reaches the client instead of being overtaken by a reset; a client that does not
            // take it within the linger is cut.
            _outbox.Writer.TryComplete();
            try
            {
                await sending.WaitAsync(LingerOnClose, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                Abort();
                await sending;
            }
            while (_outbox.Reader.TryRead(out var left))
            {
                left.Release();
            }
        }
    }

    /// <summary>Closes the connection now, without a closing handshake (a stalled client would never complete one).</summary>
    public void Abort()
    {
        _aborted = true;
        _outbox.Writer.TryComplete();
        WakeReceiver();
        socket.Abort();
    }

    private async Task ReceiveLoopAsync(byte[] buffer, Func<ChatConnection, ReadOnlyMemory<byte>, ValueTask> onMessage, Action<ChatConnection, string> onError)
    {
        while (true)
        {
            await WhileQueueIsLongAsync();
            long length = 0;
            var tooLarge = false;
            ValueWebSocketReceiveResult result;
            do
            {
                // Past the limit the rest of the message is read over the whole buffer and dropped: a client that sends
                // one endless message costs a copy per buffer, not a call per byte.
                var room = tooLarge ? buffer.AsMemory() : buffer.AsMemory((int)length);
                result = await socket.ReceiveAsync(room, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }
                length += result.Count;
                tooLarge = length > _maxMessageBytes;
                if (length > _maxMessageBytes + EndlessMessageBytes)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, $"message too large: at most {_maxMessageBytes} bytes", CancellationToken.None);
                    await DrainBrieflyAsync(buffer);
                    return;
                }
            }
            while (!result.EndOfMessage);

            if (tooLarge)
            {
                onError(this, $"message too large: at most {_maxMessageBytes} bytes");
            }
            else
            {
                // Binary messages are read as UTF-8 JSON too; text ones arrive here already UTF-8-checked by the
                // WebSocket layer, which closes with 1007 on invalid text as RFC 6455 requires.
                // Awaited before the buffer is read into again.
                await onMessage(this, buffer.AsMemory(0, (int)length));
            }
        }
    }

    /// <summary>
    /// Reads and drops what the client still sends, for a moment, after castd closed: a connection that ends with
    /// unread bytes, or before the client has closed its side, is reset, and the reset can overtake the close frame and
    /// leave the client without the reason. A WebSocket that failed the connection itself reads no more, so then the
    /// bytes are read below it, until the client closes.
    /// </summary>
    private async Task DrainBrieflyAsync(byte[] buffer)
    {
        using var linger = new CancellationTokenSource(LingerOnClose);
        try
        {
            if (socket.State == WebSocketState.Aborted)
            {
                while (transport is not null && await transport.ReadAsync(buffer, linger.Token) > 0)
                {
                }
                return;
            }
            while ((await socket.ReceiveAsync(buffer.AsMemory(), linger.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Holds the receive loop while the queue is long; the flag is set before the second look, so the send
    /// loop that drains it cannot miss the waiter.</summary>
    private async ValueTask WhileQueueIsLongAsync()
    {
        if (_outbox.Reader.Count < ThrottleAt)
        {
            return;
        }
        _throttled = true;
        if (_outbox.Reader.Count >= ThrottleAt && !_aborted)
        {
            await _drained.WaitAsync();
        }
        _throttled = false;
    }

    private void WakeReceiver()
    {
        if (_drained.CurrentCount == 0)
        {
            try
            {
                _drained.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                transport?.OpenBatch();
                while ((transport?.BatchedBytes ?? 0) < MaxBatchBytes && reader.TryRead(out var frame))
                {
                    try
                    {
                        await socket.SendAsync(frame.Raw.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    }
                    finally
                    {
                        frame.Release();
                    }
                }
                if (transport is not null)
                {
                    await transport.WriteBatchAsync(CancellationToken.None);
                }
                if (_throttled && reader.Count < ThrottleAt)
                {
                    WakeReceiver();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            Abort();
        }
    }
}
