namespace Castd.Castload.FirstFrame;

/// <param name="Http">Play over HTTP (<c>GET /live/…</c>, fast start whenever castd's cache is on) instead of the TCP stream port.</param>
/// <param name="FastStart">TCP only: send the <c>faststart</c> handshake word.</param>
/// <param name="Spread">Each join waits a random time up to this first, so joins land at random points of the GOP.</param>
/// <param name="Token">The user's token when castd asks for them: the TCP word <c>token=</c>, or <c>&amp;token=</c> over HTTP.</param>
internal sealed record FirstFrameOptions(
    string Host, int Port, bool Http, string User, string Channel, bool FastStart, int Joins, TimeSpan Spread, TimeSpan Timeout, int Seed, string? Token = null);
