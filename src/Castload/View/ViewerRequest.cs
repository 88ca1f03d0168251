namespace Castd.Castload.View;

/// <summary>What one viewer connection asks castd for (docs/viewers.md), and how fast it reads.</summary>
/// <param name="User">The registered user id sent in the request line.</param>
/// <param name="ReadBytesPerSecond">Reads no faster than this (a viewer on a slow link); 0 reads as fast as bytes come.</param>
/// <param name="FastStart">Asks for the channel's cached group of pictures first (docs/playback.md, <c>faststart</c>).</param>
/// <param name="Token">Sent as the word <c>token=</c> when castd asks for tokens (docs/security.md), or null.</param>
internal sealed record ViewerRequest(string Host, int Port, string User, string Channel, bool Framed, long ReadBytesPerSecond = 0, bool FastStart = false, string? Token = null)
{
    public string RequestLine => $"{User} {Channel}{(Framed ? " framed" : "")}{(FastStart ? " faststart" : "")}{(Token is null ? "" : $" token={Token}")}\n";
}
