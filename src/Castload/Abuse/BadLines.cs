using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.Abuse;

/// <summary>
/// Request lines castd must refuse, alternately: an overlong one (a 300-byte user id, past the 256-byte line limit) and
/// random binary bytes ended by LF. Each waits for castd's answer and counts its code.
/// </summary>
internal sealed class BadLines(AbuseOptions options, AbuseTally tally)
{
    /// <summary>Past the handshake reader's 256-byte limit with room to spare.</summary>
    private const int OverlongUserBytes = 300;

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
