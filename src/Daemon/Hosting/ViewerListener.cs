using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Castd.Daemon.Diagnostics;
using Castd.Daemon.Viewers;
using Castd.Protocol.Viewers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Castd.Daemon.Hosting;

/// <summary>
/// The stream port's accept loop: Kestrel's own socket connections for the viewers <see cref="ViewerConnectRate"/>
/// lets through; for the rest one <c>ERR 429</c> line and a close, straight on the accepted socket, with no Kestrel
/// connection, pipe or request line behind it.
/// </summary>
internal sealed class ViewerListener(Socket listenSocket, SocketConnectionContextFactory connections, ViewerConnectRate rate, ViewerCounters counters, ILogger logger)
    : IConnectionListener
{
    /// <summary>Out of file descriptors: accepting again at once would spin; a moment lets connections close.</summary>
    private static readonly TimeSpan DescriptorsExhaustedPause = TimeSpan.FromMilliseconds(20);

    private readonly (string Text, byte[] Line) _refusal = Refusal(rate.PerAddressPerSecond);

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
            if (socket.RemoteEndPoint is not IPEndPoint remote || rate.TryAdmit(remote.Address))
            {
                socket.NoDelay = true;
                return connections.Create(socket);
            }
            Refuse(socket, remote);
        }
    }

    private void Refuse(Socket socket, IPEndPoint remote)
    {
        counters.CountRefusal(ViewerReply.TooManyStreams);
        Log.ViewerRefused(logger, remote.ToString(), ViewerReply.TooManyStreams, _refusal.Text);
        try
        {
            // A fresh socket's send buffer is empty: the line goes without waiting, even on a blocking send.
            socket.Send(_refusal.Line, SocketFlags.None, out _);
        }
        catch (SocketException)
        {
        }
        socket.Dispose();
    }

    /// <summary>The refusal's text and its ERR line, formatted once as every refusal on the stream port is.</summary>
    private static (string Text, byte[] Line) Refusal(int perSecond)
    {
        var text = $"too many connections from your address: at most {perSecond} a second";
        var line = new ArrayBufferWriter<byte>();
        ViewerReply.WriteError(line, ViewerReply.TooManyStreams, text);
        return (text, line.WrittenSpan.ToArray());
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
