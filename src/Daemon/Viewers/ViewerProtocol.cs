using System.Buffers;
using Castd.Daemon.Auth;
using Castd.Daemon.Streams;
using Castd.Protocol.Viewers;

namespace Castd.Daemon.Viewers;

/// <summary>The stream port (docs/viewers.md): one request line in, <c>ERR &lt;code&gt; &lt;text&gt;</c> or the stream out.</summary>
internal sealed class ViewerProtocol(ViewerGate gate, TokenVerifier tokens) : HeadedStreamProtocol<ViewerRequest>
{
    public override StreamKind Kind => StreamKind.Viewer;

    public override string HeadName => "request line";

    public override OperationStatus TryRead(ref SequenceReader<byte> reader, out ViewerRequest request, out StreamRefusal refusal)
    {
        // Open mode keeps the compat line limit and texts; with tokens the line has room for one and the texts name it.
        var limit = tokens.Enabled ? ViewerHandshakeReader.MaxLineLengthWithToken : ViewerHandshakeReader.MaxLineLength;
        var status = ViewerHandshakeReader.TryRead(ref reader, out request, out var error, limit);
        var (code, text) = status == OperationStatus.InvalidData ? ViewerReply.Describe(error, limit, tokens.Enabled) : (0, "");
        refusal = new StreamRefusal(code, text);
        return status;
    }

    public override ValueTask<StreamAdmission> AdmitAsync(ViewerRequest request) =>
        gate.AdmitAsync(request.UserId, request.Channel, request.Framed ? WireFormat.Framed : WireFormat.Raw, request.FastStart, request.Token);
}
