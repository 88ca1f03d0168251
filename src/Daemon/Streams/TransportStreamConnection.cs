using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Castd.Daemon.Streams;

/// <summary>
/// A stream connection castd owns whole (stream port, relay port, an HTTP connection whose first request is a live
/// stream). On Kestrel's socket transport every byte castd writes goes straight to the socket, packets gathered from the
/// shared buffers and never copied, and nothing is ever put in the connection's output pipe, so nothing there can be
/// overtaken. Over TLS (CASTD_TLS_STREAM_PORT) and on any other transport (an in-memory one in tests) the same bytes go
/// through the connection's pipes, which encrypt them. Either way the input pipe tells when the peer leaves.
/// </summary>
internal sealed class TransportStreamConnection(ConnectionContext connection) : StreamConnection
{
    private readonly Socket? _socket = connection.Features.Get<ITlsHandshakeFeature>() is null ? connection.Features.Get<IConnectionSocketFeature>()?.Socket : null;

    /// <summary>Kept for dead-peer detection, which works on the socket under TLS too.</summary>
    private readonly Socket? _anySocket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
    private PipePacketSender? _pipeSender;

    public override EndPoint? Remote => connection.RemoteEndPoint;

    public override async ValueTask RefuseAsync(ReadOnlyMemory<byte> wire, StreamRefusal refusal)
    {
        try
        {
            await WriteAsync(wire, CancellationToken.None);
        }
        catch (Exception ex) when (IsGone(ex))
        {
            // The peer is already gone; nothing to tell it.
        }
    }

    public override async ValueTask<bool> StartAsync(ReadOnlyMemory<byte> head, CancellationToken stopping)
    {
        if (head.IsEmpty)
        {
            return true;
        }
        try
        {
            await WriteAsync(head, stopping);
            return true;
        }
        catch (Exception ex) when (IsGone(ex))
        {
            return false;
        }
    }

    public override void EnableDeadPeerDetection(TimeSpan timeout)
    {
        if (_anySocket is not null)
        {
            DeadPeerDetection.Enable(_anySocket, timeout);
        }
    }

    public override IPacketSender CreateSender(ISendCompletion outbox) =>
        _socket is not null ? new SocketPacketSender(_socket, outbox) : _pipeSender = new PipePacketSender(connection.Transport.Output, outbox);

    public override Task<DisconnectReason> WaitForEndAsync(CancellationToken stopping) => ConnectionEnd.WaitAsync(connection.Transport.Input, stopping);

    public override void Interrupt() => connection.Transport.Input.CancelPendingRead();

    // A socket send still pending on a peer that never reads ends when Kestrel closes the socket after the handler returns.
    public override Task StoppedAsync() => _pipeSender?.Stopped ?? Task.CompletedTask;

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_socket is not null)
        {
            // A fresh connection's send buffer is empty: a head or a refusal goes at once.
            while (!bytes.IsEmpty)
            {
                bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken)..];
            }
            return;
        }
        await connection.Transport.Output.WriteAsync(bytes, cancellationToken);
    }

    private static bool IsGone(Exception ex) =>
        ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or ConnectionResetException;
}
