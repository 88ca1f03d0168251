using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Castd.Daemon.Diagnostics;
using Castd.Daemon.Streams;
using Castd.Daemon.Viewers;
using Castd.Protocol.Viewers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Castd.Daemon.Hosting;

/// <summary>
/// The stream port's accept loop: Kestrel's own socket connections for the viewers <see cref="ViewerConnectRate"/>
/// lets through; for the rest one <c>ERR 429</c> (their address's rate) or <c>ERR 503</c> (the total) line and a close,
/// straight on the accepted socket, with no Kestrel connection, pipe or request line behind it.
/// </summary>
internal sealed class ViewerListener(Socket listenSocket, SocketConnectionContextFactory connections, ViewerConnectRate rate, StreamLifecycle lifecycle, ILogger logger)
    : IConnectionListener
{
    /// <summary>Out of file descriptors: accepting again at once would spin; a moment lets connections close.</summary>
    private static readonly TimeSpan DescriptorsExhaustedPause = TimeSpan.FromMilliseconds(20);

    private readonly (StreamRefusal Refusal, byte[] Line) _addressRefusal =
        Refusal(ViewerReply.TooManyStreams, $"too many connections from your address: at most {rate.PerAddressPerSecond} a second");

    private readonly (StreamRefusal Refusal, byte[] Line) _totalRefusal =
        Refusal(ViewerReply.Unavailable, $"too many new connections: at most {rate.TotalPerSecond} a second, try again");

    public EndPoint EndPoint => listenSocket.LocalEndPoint!;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listenSocket.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException
                                           or SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                return null; // unbound
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue; // gone before it was accepted
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                Log.AcceptFailed(logger, ex.Message);
                await Task.Delay(DescriptorsExhaustedPause, CancellationToken.None);
                continue;
            }
            var refusal = socket.RemoteEndPoint is IPEndPoint remote ? rate.TryAdmit(remote.Address) : 0;
            if (refusal == 0)
            {
                socket.NoDelay = true;
                return connections.Create(socket);
            }
            Refuse(socket, refusal);
        }
    }

    private void Refuse(Socket socket, int code)
    {
        var (refusal, line) = code == ViewerReply.TooManyStreams ? _addressRefusal : _totalRefusal;
        // The endpoint, not its text: the message formats it only when debug logging is on.
        lifecycle.CountRefusal(StreamKind.Viewer, socket.RemoteEndPoint, refusal);
        try
        {
            // A fresh socket's send buffer is empty: the line goes without waiting, even on a blocking send.
            socket.Send(line, SocketFlags.None, out _);
        }
        catch (SocketException)
        {
        }
        socket.Dispose();
    }

    /// <summary>A refusal and its ERR line, formatted once as every refusal on the stream port is.</summary>
    private static (StreamRefusal Refusal, byte[] Line) Refusal(int code, string text)
    {
        var line = new ArrayBufferWriter<byte>();
        ViewerReply.WriteError(line, code, text);
        return (new StreamRefusal(code, text), line.WrittenSpan.ToArray());
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        listenSocket.Dispose();
        return default;
    }

    public ValueTask DisposeAsync()
    {
        listenSocket.Dispose();
        connections.Dispose();
        return default;
    }
}
