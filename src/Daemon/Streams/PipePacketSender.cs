using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Castd.Daemon.Viewers;

namespace Castd.Daemon.Streams;

/// <summary>
/// The fallback sender for a playback request Kestrel parsed (a browser reusing a keep-alive connection): copies each
/// batch into the response's pipe, which Kestrel chunks. One copy per viewer, the price of sharing the connection.
/// </summary>
internal sealed class PipePacketSender(PipeWriter output, ISendCompletion owner) : IPacketSender
{
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the outbox has let go of this sender: nothing is written to the response after it.</summary>
    public Task Stopped => _stopped.Task;

    public bool TrySend(List<ArraySegment<byte>> segments, out SocketError error)
    {
        ValueTask<FlushResult> flush;
        try
        {
            foreach (var segment in segments)
            {
                output.Write(segment);
            }
            flush = output.FlushAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            error = SocketError.ConnectionAborted;
            return true;
        }
        if (!flush.IsCompleted)
        {
            _ = CompleteAsync(flush);
            error = SocketError.IOPending;
            return false;
        }
        error = Outcome(flush);
        return true;
    }

    public void Dispose() => _stopped.TrySetResult();

    private async Task CompleteAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
        }
        owner.OnSendCompleted(Outcome(flush));
    }

    private static SocketError Outcome(ValueTask<FlushResult> flush) =>
        flush.IsCompletedSuccessfully && !flush.Result.IsCanceled && !flush.Result.IsCompleted ? SocketError.Success : SocketError.ConnectionAborted;
}
