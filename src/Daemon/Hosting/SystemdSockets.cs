using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Castd.Daemon.Hosting;

/// <summary>
/// Listening sockets handed over by systemd socket activation (castd.socket; sd_listen_fds(3): LISTEN_PID, LISTEN_FDS,
/// descriptors from 3). While castd restarts, systemd keeps them listening, so new connections wait in the backlog
/// instead of being refused. They are told apart by their local port, so castd.conf's SERVER_PORT and STREAM_PORT
/// stay the one place ports are set and a castd.socket that disagrees fails clearly.
/// </summary>
internal static class SystemdSockets
{
    private const int FirstDescriptor = 3; // SD_LISTEN_FDS_START

    /// <summary>The HTTP and stream descriptors, or null when systemd passed none. Throws FormatException on a mismatch.</summary>
    public static (ulong Http, ulong Stream)? Find(Func<string, string?> read, int serverPort, int streamPort)
    {
        if (read("LISTEN_PID") != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
            || !int.TryParse(read("LISTEN_FDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count == 0)
        {
            return null;
        }
        ulong? http = null, stream = null;
        for (var fd = FirstDescriptor; fd < FirstDescriptor + count; fd++)
        {
            var port = LocalPort(fd);
            if (port == serverPort && http is null)
            {
                http = (ulong)fd;
            }
            else if (port == streamPort && stream is null)
            {
                stream = (ulong)fd;
            }
            else
            {
                throw new FormatException($"systemd passed a socket on port {port}; expected one for SERVER_PORT={serverPort} and one for STREAM_PORT={streamPort}: make castd.socket's ListenStream= match castd.conf.");
            }
        }
        return http is { } h && stream is { } s ? (h, s)
            : throw new FormatException($"systemd passed {count} socket(s), not one for SERVER_PORT={serverPort} and one for STREAM_PORT={streamPort}: make castd.socket's ListenStream= match castd.conf.");
    }

    private static int LocalPort(int fd)
    {
        try
        {
            // ownsHandle: false, so looking does not close it; Kestrel takes the descriptor over later.
            using var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: false));
            return socket.LocalEndPoint is IPEndPoint endpoint && socket.SocketType == SocketType.Stream
                ? endpoint.Port
                : throw new FormatException($"systemd passed descriptor {fd}, which is not a TCP socket.");
        }
        catch (SocketException ex)
        {
            throw new FormatException($"systemd passed descriptor {fd}, which is not a socket: {ex.Message}");
        }
    }
}
