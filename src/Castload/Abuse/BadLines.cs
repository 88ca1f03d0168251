using System.Net.Sockets;
using System.Text;
using Castd.Protocol.Viewers;

namespace Castd.Castload.Abuse;

/// <summary>
/// Request lines castd must refuse, alternately: an overlong one (a user id past the line limit, the longer one that
/// holds a token included) and random binary bytes ended by LF. Each waits for castd's answer and counts its code.
/// </summary>
internal sealed class BadLines(AbuseOptions options, AbuseTally tally)
{
    /// <summary>Past the handshake reader's limit with room to spare, when castd asks for tokens too.</summary>
    private const int OverlongUserBytes = ViewerHandshakeReader.MaxLineLengthWithToken + 100;

    /// <summary>Binary lines of 1–200 bytes: short of the limit, so they reach the parser.</summary>
    private const int MaxBinaryBytes = 200;

    private const int MaxInFlight = 256;

    public Task<(long Started, double Seconds)> RunAsync(CancellationToken cancellationToken) =>
        Pacer.RunAsync(options.BadLinesRate, options.Duration, MaxInFlight, OneAsync, cancellationToken);

    private async Task OneAsync(long i)
    {
        var overlong = i % 2 == 0;
        try
        {
            using var socket = await AbuseSocket.ConnectAsync(options.Stream, null, 0, CancellationToken.None);
            await socket.SendAsync(overlong ? Overlong((int)i) : Binary());
            tally.Count(overlong ? "badline.overlong" : "badline.binary");
            tally.Reply(await AbuseSocket.ReadReplyAsync(socket, CancellationToken.None));
        }
        catch (SocketException ex)
        {
            tally.Fail("badline", ex);
        }
    }

    private byte[] Overlong(int i) => Encoding.ASCII.GetBytes(new string('u', OverlongUserBytes) + " " + options.Channels[i % options.Channels.Count] + "\n");

    private static byte[] Binary()
    {
        var line = new byte[Random.Shared.Next(1, MaxBinaryBytes + 1) + 1];
        Random.Shared.NextBytes(line.AsSpan(0, line.Length - 1));
        line.AsSpan(0, line.Length - 1).Replace((byte)'\n', (byte)0);
        line[^1] = (byte)'\n';
        return line;
    }
}
