using System.Net.WebSockets;
using System.Text;

namespace Castd.Castload.Fans;

/// <summary>A fan's chat beside its stream (docs/chat.md): joins the channel's room and talks in it at a steady rate.</summary>
internal sealed class FanChatter(string http, string account, string channel, double messagesPerSecond)
{
    private long _sent;
    private long _received;

    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Room messages heard, the fan's own included (castd echoes a room message to its sender too).</summary>
    public long Received => Volatile.Read(ref _received);

    public async Task RunAsync(CancellationToken stop)
    {
        using var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{http}/chat?user={account}"), stop);
            await SendAsync(socket, $"{{\"join\":\"{channel}\"}}", stop);
            var receiving = ReceiveAsync(socket);
            try
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / messagesPerSecond));
                while (await timer.WaitForNextTickAsync(stop))
                {
                    await SendAsync(socket, $"{{\"room\":\"{channel}\",\"message\":\"{account} cheers\"}}", stop);
                    Interlocked.Increment(ref _sent);
                }
            }
            finally
            {
                socket.Abort();
                await receiving;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The fan stopped, or castd refused or closed the chat: the stream goes on without it.
        }
    }

    private static Task SendAsync(ClientWebSocket socket, string json, CancellationToken stop) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, stop);

    private async Task ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (result.EndOfMessage && buffer.AsSpan(0, result.Count).StartsWith("{\"sender\""u8))
                {
                    Interlocked.Increment(ref _received);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
