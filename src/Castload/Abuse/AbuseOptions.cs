using System.Net;

namespace Castd.Castload.Abuse;

/// <param name="Stream">castd's stream port.</param>
/// <param name="User">A registered user: the storm's handshakes and the held viewers watch as it.</param>
/// <param name="Channels">Live channels the storm's handshakes, the non-readers and the half-open viewers ask for.</param>
/// <param name="Duration">How long the whole abuse lasts; everything still open is closed at its end.</param>
/// <param name="StormRate">Connects per second of the storm; half close at once, half send a request line first.</param>
/// <param name="StormDuration">How long the storm lasts, from the start.</param>
/// <param name="StormAddresses">Loopback source addresses the storm spreads over (127.1.0.0 onwards): a few test a limit per address, many the total.</param>
/// <param name="Slowloris">Connections held open without a request line (half send a prefix of one), reopened when castd closes them.</param>
/// <param name="BadLinesRate">Request lines per second that are overlong or binary, alternately.</param>
/// <param name="NonReaders">Viewers that complete the handshake and never read.</param>
/// <param name="HalfOpen">Connections (half subscribed viewers, half before the handshake) from <paramref name="HalfOpenFrom"/>, whose packets the caller then drops.</param>
/// <param name="HalfOpenFrom">Source address of the half-open connections, so one firewall rule can silence them all.</param>
/// <param name="Token"><paramref name="User"/>'s token when castd asks for them: the word <c>token=</c> on every valid request line.</param>
/// <param name="StormToken">The storm's token instead (a forged or expired one makes it a storm of bad tokens), or null for <paramref name="Token"/>.</param>
internal sealed record AbuseOptions(
    IPEndPoint Stream,
    string User,
    IReadOnlyList<string> Channels,
    TimeSpan Duration,
    int StormRate,
    TimeSpan StormDuration,
    int StormAddresses,
    int Slowloris,
    int BadLinesRate,
    int NonReaders,
    int HalfOpen,
    IPAddress HalfOpenFrom,
    string? Token,
    string? StormToken)
{
    public string RequestLine(int i, bool framed) => Line(i, framed, Token);

    public string StormRequestLine(int i) => Line(i, framed: false, StormToken ?? Token);

    private string Line(int i, bool framed, string? token) =>
        $"{User} {Channels[i % Channels.Count]}{(framed ? " framed" : "")}{(token is null ? "" : $" token={token}")}\n";
}
