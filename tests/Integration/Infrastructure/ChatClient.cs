using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>A real WebSocket chat client (ClientWebSocket) on loopback, reading frames as they come.</summary>
internal sealed class ChatClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    private ChatClient()
    {
    }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public WebSocketState State => _socket.State;

    /// <param name="keepAlive">When set, the client pings this often and aborts if a pong is 2 s late.</param>
    public static async Task<ChatClient> ConnectAsync(int httpPort, string user, string path = "/chat", TimeSpan? keepAlive = null)
    {
        var client = new ChatClient();
        if (keepAlive is { } interval)
        {
            client._socket.Options.KeepAliveInterval = interval;
            client._socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(2);
        }
        await client._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{httpPort}{path}?user={user}"), CancellationToken.None);
        return client;
    }

    public Task SendAsync(string json) => SendAsync(Encoding.UTF8.GetBytes(json));

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text) =>
        await _socket.SendAsync(bytes, type, endOfMessage: true, CancellationToken.None);

    /// <summary>One message as consecutive frames: the first of <paramref name="type"/>, the rest continuations.</summary>
    public async Task SendFragmentsAsync(IReadOnlyList<byte[]> fragments, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        for (var i = 0; i < fragments.Count; i++)
        {
            await _socket.SendAsync(fragments[i], type, endOfMessage: i == fragments.Count - 1, CancellationToken.None);
        }
    }

    /// <summary>The next message as JSON, or null when the server closed the connection.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = _buffer;
        var length = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), cancel.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            length += result.Count;
        }
        while (!result.EndOfMessage);
        return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancel.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }
}
