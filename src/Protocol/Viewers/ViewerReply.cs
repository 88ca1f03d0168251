using System.Buffers;
using System.Text;

namespace Castd.Protocol.Viewers;

/// <summary>The one-line refusals a viewer can get before its connection is closed (docs/viewers.md): <c>ERR &lt;code&gt; &lt;text&gt;\n</c>.</summary>
public static class ViewerReply
{
    public const int BadRequest = 400;
    public const int Unregistered = 403;
    public const int Timeout = 408;
    public const int TooLong = 414;
    public const int TooManyStreams = 429;
    public const int Unavailable = 503;

    public static (int Code, string Text) Describe(HandshakeError error) => error switch
    {
        HandshakeError.LineTooLong => (TooLong, $"request line longer than {ViewerHandshakeReader.MaxLineLength} bytes"),
        HandshakeError.InvalidUserId => (BadRequest, $"invalid user id: {UserIds.Rule}"),
        HandshakeError.InvalidChannelId => (BadRequest, $"invalid channel: {ChannelNames.Rule}"),
        HandshakeError.UnknownOption => (BadRequest, "unknown or repeated option: the options are 'framed' and 'faststart'"),
        _ => (BadRequest, "malformed request: expected '<user-id> <channel-id> [framed] [faststart]'"),
    };

    public static void WriteError(IBufferWriter<byte> writer, int code, string text)
    {
        var line = $"ERR {code} {text}\n";
        var span = writer.GetSpan(Encoding.ASCII.GetMaxByteCount(line.Length));
        writer.Advance(Encoding.ASCII.GetBytes(line, span));
    }
}
