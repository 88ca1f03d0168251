using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.Abuse;

/// <summary>
/// Connections opened once and then left alone until the run ends: viewers that never read, and the half-open ones
/// (the caller silences their source address, so castd's packets and FINs go nowhere).
/// </summary>
internal static class HeldConnections
{
    /// <summary>
    /// A receive buffer this small (the kernel doubles it and keeps a floor) keeps a non-reader's backlog in castd's
    /// queue, where the outbound budget must catch it, instead of megabytes of our own socket buffers.
    /// </summary>
    private const int ReceiveBufferBytes = 4096;

    private const int ConnectParallelism = 64;

    /// <param name="requestLine">The line connection i sends, or null for none (it stays before the handshake).</param>
    public static async Task<List<Socket>> OpenAsync(EndPoint to, IPAddress? from, int count, Func<int, string?> requestLine, string kind, AbuseTally tally, CancellationToken cancellationToken)
    {
        var sockets = new Socket?[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken }, async (i, token) =>
        {
            try
            {
                var socket = await AbuseSocket.ConnectAsync(to, from, ReceiveBufferBytes, token);
                sockets[i] = socket;
                var line = requestLine(i);
                if (line is not null)
                {
                    await socket.SendAsync(Encoding.ASCII.GetBytes(line), token);
                }
                tally.Count(line is null ? kind + ".silent" : kind + ".viewer");
            }
            catch (SocketException ex)
            {
                tally.Fail(kind, ex);
            }
        });
        return [.. sockets.OfType<Socket>()];
    }
}
