using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.Abuse;

/// <summary>
/// Connections that never finish the request line: half send its first five bytes, half nothing at all. Each waits
/// for castd's answer (<c>ERR 408</c> after the handshake timeout) and opens the next at once, so the count held stays
/// up for the whole run.
/// </summary>
internal sealed class Slowloris(AbuseOptions options, AbuseTally tally)
{
    /// <summary>Bytes of a request line the trickling half sends: short of any user id's end.</summary>
    private const int PrefixBytes = 5;

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Slowloris).Select(i => HoldAsync(i, cancellationToken)));

    private async Task HoldAsync(int i, CancellationToken cancellationToken)
    {
        var prefix = i % 2 == 0 ? Encoding.ASCII.GetBytes(options.RequestLine(i, framed: false)[..PrefixBytes]) : [];
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Not cancellable: a connect cut short on our side may still have reached castd, and then it must be counted.
                using var socket = await AbuseSocket.ConnectAsync(options.Stream, null, 0, CancellationToken.None);
                tally.Count("slowloris");
                try
                {
                    await socket.SendAsync(prefix, cancellationToken);
                    tally.Reply(await AbuseSocket.ReadReplyAsync(socket, cancellationToken));
                }
                catch (OperationCanceledException)
                {
                    // The run ended first: this one is closed by us (castd counts a request line cut short).
                    tally.Count("slowloris.abandoned");
                    return;
                }
            }
            catch (SocketException ex)
            {
                tally.Fail("slowloris", ex);
            }
        }
    }
}
