using System.Buffers;
using Castd.Daemon.Auth;
using Castd.Daemon.Channels;
using Castd.Daemon.Streams;
using Castd.Daemon.Viewers;
using Castd.Protocol.Http;

namespace Castd.Daemon.Playback;

/// <summary>
/// HTTP playback (docs/playback.md): <c>GET /live/{channel}.ts?user=</c>, a viewer like a TCP one (same admission,
/// limit and usage), fast start on whenever the channel keeps a cache. Refusals are an HTTP status and a one-line body.
/// </summary>
internal sealed class PlayerProtocol(ViewerGate gate, ChannelOptions channels, OriginPolicy origins) : HeadedStreamProtocol<LiveRequest>
{
    private static readonly byte[] ChunkedHead = LiveReply.StreamHead(chunked: true, corsOrigin: "*");
    private static readonly byte[] PlainHead = LiveReply.StreamHead(chunked: false, corsOrigin: "*");

    public override StreamKind Kind => StreamKind.Player;

    public override string HeadName => "request head";

    public override OperationStatus TryRead(ref SequenceReader<byte> reader, out LiveRequest request, out StreamRefusal refusal)
    {
        var status = LiveRequestReader.TryRead(ref reader, out request, out var error);
        var (code, text) = status == OperationStatus.InvalidData ? LiveReply.Describe(error) : (0, "");
        refusal = new StreamRefusal(code, text);
        return status;
    }

    /// <remarks><see cref="LiveRequest.Chunked"/>: castd writes the chunks itself; a response Kestrel writes is chunked by Kestrel.</remarks>
    public override ValueTask<StreamAdmission> AdmitAsync(LiveRequest request) =>
        gate.AdmitAsync(request.UserId, request.Channel, request.Chunked ? WireFormat.Chunked : WireFormat.Raw, fastStart: channels.GopCacheBytes > 0, request.Token);

    public override ReadOnlyMemory<byte> Refusal(StreamRefusal refusal) => LiveReply.ErrorResponse(refusal.Code, refusal.Text);

    /// <summary>The 200 head, made once for the common CORS answer (<c>*</c>) and per request when origins are listed.</summary>
    public override ReadOnlyMemory<byte> Head(LiveRequest request) => origins.CorsOrigin(request.Origin) switch
    {
        "*" => request.Chunked ? ChunkedHead : PlainHead,
        var origin => LiveReply.StreamHead(request.Chunked, origin),
    };
}
