using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Streams;

/// <summary>Waits for a streaming connection to end; whatever the peer sends meanwhile is read and ignored.</summary>
internal static class ConnectionEnd
{
    /// <returns>Closed when the peer went away; Error when the kernel gave up on it (ETIMEDOUT: no acknowledgement
    /// within CASTD_VIEWER_DEAD_PEER_MS, which Kestrel passes on as a bare SocketException); Shutdown when the read was
    /// cancelled (by castd stopping, or by the outbox, whose own close reason then wins).</returns>
    public static async Task<DisconnectReason> WaitAsync(PipeReader input, CancellationToken stopping)
    {
        using var registration = stopping.Register(static state => ((PipeReader)state!).CancelPendingRead(), input);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(CancellationToken.None);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCanceled)
                {
                    return DisconnectReason.Shutdown;
                }
                if (result.IsCompleted)
                {
                    return DisconnectReason.Closed;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            return DisconnectReason.Closed;
        }
        catch (SocketException)
        {
            return DisconnectReason.Error;
        }
    }
}
