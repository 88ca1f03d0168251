using System.Buffers.Text;
using System.Net.WebSockets;
using Castd.Castload.Bench;
using Castd.Castload.Common;

namespace Castd.Castload.Chat;

/// <summary>One simulated gochat user: sends direct messages stamped with their send time, counts what comes back.</summary>
internal sealed class ChatLoadUser(ChatOptions options, int user)
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _window = new(ChatOptions.Window, ChatOptions.Window);
    private long _messages;
    private long _acks;
    private long _errors;

    public long Messages => Volatile.Read(ref _messages);

    public long Acks => Volatile.Read(ref _acks);

    public long Errors => Volatile.Read(ref _errors);

    public string? Failure { get; private set; }

    public Task ConnectAsync(CancellationToken cancellationToken) =>
        _socket.ConnectAsync(new Uri($"ws://{options.Server}/chat?user={ChatOptions.Handle(user)}"), cancellationToken);

    /// <remarks>
    /// Sends and receives pass no token (a cancellable call costs the WebSocket a registration per frame, which
    /// would load the client more than castd); cancelling aborts the socket instead, which ends both.
    /// </remarks>
    public async Task RunAsync(LatencyRecorder latencies, CancellationToken cancellationToken)
    {
        using var abort = cancellationToken.Register(static socket => ((ClientWebSocket)socket!).Abort(), _socket);
        var receiving = ReceiveAsync(latencies);
        try
        {
            await SendAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
        await receiving;
        _socket.Abort();
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        var random = new Random(user);
        var interval = options.Rate > 0 ? TimeSpan.FromSeconds(1 / options.Rate) : TimeSpan.Zero;
        // Spread the users' first sends over one interval, so paced load is smooth rather than in lockstep.
        var next = DateTime.UtcNow + interval * random.NextDouble();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (interval > TimeSpan.Zero)
            {
                var wait = next - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
                next += interval;
            }
            else
            {
                await _window.WaitAsync(cancellationToken);
            }
            var length = Message(buffer, random.Next(options.Population), PayloadStamp.NowMicros());
            await _socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
    }

    /// <summary>
    /// <c>{"recipient":"chat&lt;n&gt;","message":"&lt;send time µs&gt;"}</c>, written straight as UTF-8: at max rate the client
    /// shares the machine with castd, so it should spend its CPU on the WebSocket, not on formatting.
    /// </summary>
    private static int Message(Span<byte> buffer, int recipient, long sentMicros)
    {
        var length = 0;
        Append(buffer, ref length, "{\"recipient\":\""u8);
        Append(buffer, ref length, "chat"u8); // ChatOptions.Handle
        Utf8Formatter.TryFormat(recipient, buffer[length..], out var written);
        length += written;
        Append(buffer, ref length, "\",\"message\":\""u8);
        Utf8Formatter.TryFormat(sentMicros, buffer[length..], out written);
        length += written;
        Append(buffer, ref length, "\"}"u8);
        return length;

        static void Append(Span<byte> buffer, ref int length, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(buffer[length..]);
            length += bytes.Length;
        }
    }

    private async Task ReceiveAsync(LatencyRecorder latencies)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Failure ??= $"closed by castd: {_socket.CloseStatusDescription}";
                    return;
                }
                Count(buffer.AsSpan(0, length), latencies);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>An ack, an error, or a delivered message whose text is its send time in Unix microseconds.</summary>
    private void Count(ReadOnlySpan<byte> frame, LatencyRecorder latencies)
    {
        if (frame.StartsWith("{\"ok\""u8))
        {
            Interlocked.Increment(ref _acks);
            ReleaseWindow();
        }
        else if (frame.StartsWith("{\"error\""u8))
        {
            Interlocked.Increment(ref _errors);
            ReleaseWindow();
        }
        else if (frame.IndexOf("\"message\":\""u8) is var at and >= 0
            && Utf8Parser.TryParse(frame[(at + 11)..], out long sentMicros, out _))
        {
            Interlocked.Increment(ref _messages);
            if (latencies.IsRecording)
            {
                latencies.Record(PayloadStamp.NowMicros() - sentMicros);
            }
        }
    }

    private void ReleaseWindow()
    {
        if (options.Rate <= 0)
        {
            _window.Release();
        }
    }
}
