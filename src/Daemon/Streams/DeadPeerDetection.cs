using System.Net.Sockets;

namespace Castd.Daemon.Streams;

/// <summary>
/// Finds viewers whose peer vanished without FIN or RST (a phone off the network, a NAT entry dropped): a half-open
/// socket. Left alone, the kernel retransmits into the void for about 15 minutes, holding the viewer's session (one
/// of its user's streams), its outbox and up to the send buffer's maximum of kernel memory; on a channel that is not
/// live nothing is ever sent, so it is never found at all. TCP_USER_TIMEOUT aborts a connection whose sent data stays
/// unacknowledged that long; keepalive probes give a silent stream data to be unacknowledged. The abort fails the
/// viewer's next send or read, and it is cut like any other broken connection.
/// </summary>
internal static class DeadPeerDetection
{
    /// <summary>TCP_USER_TIMEOUT from linux/tcp.h (IPPROTO_TCP level); .NET has no name for it.</summary>
    private const int TcpUserTimeout = 18;

    /// <summary>Probes before the kernel gives up; with TCP_USER_TIMEOUT set, the timeout decides, this only spaces them.</summary>
    private const int KeepAliveProbes = 3;

    public static void Enable(Socket socket, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero || !OperatingSystem.IsLinux())
        {
            return;
        }
        // A third of the timeout idle, then probes a third apart: a silent dead peer is found within about twice it.
        var probeSeconds = int.Max(1, (int)(timeout.TotalSeconds / 3));
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, probeSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, probeSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, KeepAliveProbes);
        socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpUserTimeout, BitConverter.GetBytes((int)timeout.TotalMilliseconds));
    }
}
