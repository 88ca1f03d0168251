using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.Abuse;

/// <summary>The socket steps every kind of abuse shares.</summary>
internal static class AbuseSocket
{
    /// <summary>An <c>ERR</c> line is short (docs/viewers.md): 256 bytes hold any of them.</summary>
    private const int ReplyBytes = 256;

    /// <param name="from">Source address to bind, or null for the kernel's choice.</param>
    /// <param name="receiveBufferBytes">Receive buffer set before connecting (so the window is small from the SYN on), or 0 for the default.</param>
    public static async Task<Socket> ConnectAsync(EndPoint to, IPAddress? from, int receiveBufferBytes, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (receiveBufferBytes > 0)
            {
                socket.ReceiveBufferSize = receiveBufferBytes;
            }
            if (from is not null)
            {
                socket.Bind(new IPEndPoint(from, 0));
            }
            await socket.ConnectAsync(to, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until castd closes; returns the code of its <c>ERR</c> line, <c>none</c> for a silent close, <c>reset</c> for a reset.</summary>
    public static async Task<string> ReadReplyAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[ReplyBytes];
        var length = 0;
        try
        {
            int read;
            while (length < buffer.Length && (read = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return "reset";
        }
        var words = Encoding.ASCII.GetString(buffer, 0, length).Split(' ', 3);
        return words is ["ERR", var code, ..] ? code : length == 0 ? "none" : "other";
    }
}
