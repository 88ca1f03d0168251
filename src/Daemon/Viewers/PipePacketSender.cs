using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Castd.Daemon.Viewers;

/// <summary>
/// Fallback for transports without a socket (in-memory pipes in tests, other Kestrel transports): copies the
/// segments into the connection's output pipe. Socket viewers use <see cref="SocketPacketSender"/>.
/// </summary>
internal sealed class PipePacketSender(PipeWriter output, ISendCompletion owner) : IPacketSender
{
    public bool TrySend(List<ArraySegment<byte>> segments, out SocketError error)
    {
        foreach (var segment in segments)
        {
            output.Write(segment);
        }
        var flush = output.FlushAsync();
        if (!flush.IsCompleted)
        {
            _ = CompleteLaterAsync(flush);
            error = SocketError.IOPending;
            return false;
        }
        error = ToError(flush.Result);
        return true;
    }

    public void Dispose()
    {
    }

    private async Task CompleteLaterAsync(ValueTask<FlushResult> flush)
    {
        SocketError error;
        try
        {
            error = ToError(await flush);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            error = SocketError.SocketError;
        }
        owner.OnSendCompleted(error);
    }

    private static SocketError ToError(FlushResult result) =>
        result.IsCompleted || result.IsCanceled ? SocketError.Shutdown : SocketError.Success;
}
