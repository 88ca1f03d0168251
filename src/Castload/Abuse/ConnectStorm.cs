using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.Abuse;

/// <summary>
/// A connect storm: at a fixed rate, connections that close at once (no request line) alternate with ones that send
/// a request line and close, which makes castd admit, subscribe and release a viewer each time (or, with a bad
/// storm token, check the token and refuse it).
/// </summary>
internal sealed class ConnectStorm(AbuseOptions options, AbuseTally tally)
{
    /// <summary>A loopback connect takes well under a millisecond; 1,024 in flight is 100 ms of a 10 k/s storm, a stalled accept queue shows as a lower rate.</summary>
    private const int MaxInFlight = 1024;

    public Task<(long Started, double Seconds)> RunAsync(CancellationToken cancellationToken) =>
        Pacer.RunAsync(options.StormRate, options.StormDuration, MaxInFlight, OneAsync, cancellationToken);

    private async Task OneAsync(long i)
    {
        var handshake = i % 2 == 1;
        try
        {
            // 127.1.0.0 onwards: clear of 127.0.0.x, where the healthy viewers and the rest connect from. The closing
            // side keeps each connection 60 s in TIME_WAIT and an address has 28,232 ephemeral ports (32768–60999):
            // 16 addresses hold 450 k recent connects, several 10 k/s × 5 s storms.
            var address = (int)(i / 2 % options.StormAddresses);
            var from = new IPAddress([127, 1, (byte)(address >> 8), (byte)address]);
            using var socket = await AbuseSocket.ConnectAsync(options.Stream, from, 0, CancellationToken.None);
            if (handshake)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(options.StormRequestLine((int)(i / 2))));
            }
            tally.Count(handshake ? "storm.handshake" : "storm.close");
        }
        catch (SocketException ex)
        {
            tally.Fail("storm", ex);
        }
    }
}
