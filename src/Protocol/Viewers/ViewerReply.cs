using System.Buffers;
using System.Text;

namespace Castd.Protocol.Viewers;

/// <summary>The one-line refusals a viewer can get before its connection is closed (docs/viewers.md): <c>ERR &lt;code&gt; &lt;text&gt;\n</c>.</summary>
public static class ViewerReply
{
    public const int BadRequest = 400;
    /// <summary>No credential, or one that is not castd's (docs/security.md).</summary>
    public const int Unauthorized = 401;
    /// <summary>A valid credential that does not allow this.</summary>
    public const int Forbidden = 403;
    public const int Unregistered = 403;
    public const int Timeout = 408;
    public const int TooLong = 414;
    public const int TooManyStreams = 429;
    public const int Unavailable = 503;

    /// <param name="maxLineLength">The limit the line was read with.</param>
    /// <param name="tokens">Whether castd asks for tokens: the texts then name the <c>token=</c> word.</param>
    public static (int Code, string Text) Describe(HandshakeError error, int maxLineLength = ViewerHandshakeReader.MaxLineLength, bool tokens = false) => error switch
    {
        HandshakeError.LineTooLong => (TooLong, $"request line longer than {maxLineLength} bytes"),
        HandshakeError.InvalidUserId => (BadRequest, $"invalid user id: {UserIds.Rule}"),
        HandshakeError.InvalidChannelId => (BadRequest, $"invalid channel: {ChannelNames.Rule}"),
        HandshakeError.UnknownOption => (BadRequest, tokens
            ? "unknown or repeated option: the options are 'framed', 'faststart' and 'token=<jwt>'"
            : "unknown or repeated option: the options are 'framed' and 'faststart'"),
        _ => (BadRequest, tokens
            ? "malformed request: expected '<user-id> <channel-id> [framed] [faststart] token=<jwt>'"
            : "malformed request: expected '<user-id> <channel-id> [framed] [faststart]'"),
    };

    public static void WriteError(IBufferWriter<byte> writer, int code, string text)
    {
        var line = $"ERR {code} {text}\n";
        var span = writer.GetSpan(Encoding.ASCII.GetMaxByteCount(line.Length));
        writer.Advance(Encoding.ASCII.GetBytes(line, span));
    }
}
