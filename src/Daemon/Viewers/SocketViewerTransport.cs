using System.IO.Pipelines;
using System.Net.Sockets;

namespace Castd.Daemon.Viewers;

/// <summary>
/// A connection castd owns whole (stream port, or an HTTP connection whose first request is a live stream): packets
/// go straight to the socket, never copied; Kestrel's input pipe tells when the peer leaves.
/// </summary>
internal sealed class SocketViewerTransport(IDuplexPipe transport, Socket socket) : IViewerTransport
{
    public IPacketSender CreateSender(ISendCompletion outbox) => new SocketPacketSender(socket, outbox);

    public Task<DisconnectReason> WaitForEndAsync(CancellationToken stopping) => ConnectionEnd.WaitAsync(transport.Input, stopping);

    public void Interrupt() => transport.Input.CancelPendingRead();

    // A send still pending on a viewer that never reads ends when Kestrel closes the socket after the handler returns.
    public Task StoppedAsync() => Task.CompletedTask;
}
