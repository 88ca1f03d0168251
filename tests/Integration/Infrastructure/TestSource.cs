using System.Net;
using System.Net.Sockets;
using Castd.Protocol;
using Castd.Protocol.Source;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>The channel source side for tests: listens on loopback, accepts castd's dial, writes frames exactly as told.</summary>
internal sealed class TestSource : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private Socket? _connection;

    /// <param name="port">0 lets the OS choose.</param>
    public TestSource(int port = 0)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen(4);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public async Task AcceptAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        _connection?.Dispose();
        _connection = await _listener.AcceptAsync(cancel.Token);
        _connection.NoDelay = true;
    }

    public Task SendAsync(string channel, ulong sequence, ReadOnlySpan<byte> payload) => SendRawAsync(Frame(channel, sequence, payload));

    public async Task SendRawAsync(byte[] bytes)
    {
        await _connection!.SendAsync(bytes);
    }

    public void Disconnect()
    {
        _connection?.Shutdown(SocketShutdown.Both);
        _connection?.Dispose();
        _connection = null;
    }

    public static byte[] Frame(string channel, ulong sequence, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[SourceFrameReader.HeaderSize + payload.Length];
        SourceFrameWriter.WriteHeader(frame, ChannelId.Parse(channel), sequence, payload.Length);
        payload.CopyTo(frame.AsSpan(SourceFrameReader.HeaderSize));
        return frame;
    }

    public ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
