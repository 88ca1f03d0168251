using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Castd.Daemon.Streams;

/// <summary>
/// Gather-writes pooled packet memory straight to the viewer's socket (one sendmsg for many packets), so the
/// payload is never copied inside castd. The common case is one direct non-blocking sendmsg that allocates nothing;
/// only when the socket is full does the rest go through a reusable SocketAsyncEventArgs, which waits for room.
/// </summary>
/// <remarks>
/// Bypasses Kestrel's output pipe on purpose: writing to the pipe would copy every packet into every viewer's
/// pipe buffers. Kestrel still owns the socket's lifetime and its receive side.
/// </remarks>
internal sealed class SocketPacketSender(Socket socket, ISendCompletion owner)
    : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true), IPacketSender
{
    private readonly SafeSocketHandle _handle = socket.SafeHandle;

    public bool TrySend(List<ArraySegment<byte>> segments, out SocketError error)
    {
        long sent;
        try
        {
            sent = GatherSend.TrySend(_handle, CollectionsMarshal.AsSpan(segments), out error);
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.OperationAborted;
            return true;
        }
        if (sent < 0 || SkipSent(segments, sent))
        {
            return true;
        }

        // The socket is full (the viewer is behind): let the socket engine send the rest when there is room.
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

    /// <summary>Drops the first <paramref name="sent"/> bytes from <paramref name="segments"/>; true when nothing is left.</summary>
    private static bool SkipSent(List<ArraySegment<byte>> segments, long sent)
    {
        var whole = 0;
        while (whole < segments.Count && sent >= segments[whole].Count)
        {
            sent -= segments[whole].Count;
            whole++;
        }
        segments.RemoveRange(0, whole);
        if (segments.Count > 0 && sent > 0)
        {
            segments[0] = segments[0][(int)sent..];
        }
        return segments.Count == 0;
    }

    protected override void OnCompleted(SocketAsyncEventArgs e) => owner.OnSendCompleted(e.SocketError);
}
