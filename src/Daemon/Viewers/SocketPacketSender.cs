using System.Net.Sockets;

namespace Castd.Daemon.Viewers;

/// <summary>
/// Gather-writes pooled packet memory straight to the viewer's socket (one sendmsg for many packets), so the
/// payload is never copied inside castd. One reusable SocketAsyncEventArgs per viewer: no allocation per send.
/// </summary>
/// <remarks>
/// Bypasses Kestrel's output pipe on purpose: writing to the pipe would copy every packet into every viewer's
/// pipe buffers. Kestrel still owns the socket's lifetime and its receive side.
/// </remarks>
internal sealed class SocketPacketSender(Socket socket, ISendCompletion owner)
    : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
{
    /// <summary>
    /// Sends every byte of <paramref name="segments"/>. True when it finished at once (<paramref name="error"/> says how);
    /// false when it is still going and <see cref="ISendCompletion.OnSendCompleted"/> will be called. The segments
    /// must stay untouched until then.
    /// </summary>
    public bool TrySend(List<ArraySegment<byte>> segments, out SocketError error)
    {
        BufferList = segments;
        try
        {
            if (socket.SendAsync(this))
            {
                error = SocketError.IOPending;
                return false;
            }
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.OperationAborted;
            return true;
        }
        error = SocketError;
        return true;
    }

    protected override void OnCompleted(SocketAsyncEventArgs e) => owner.OnSendCompleted(e.SocketError);
}
