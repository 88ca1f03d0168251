using System.Buffers;
using Castd.Protocol.Viewers;

namespace Castd.Daemon.Streams;

/// <summary>
/// What one kind of stream connection speaks and whom it admits; everything else about its life (reading the head,
/// refusing, dead-peer detection, the outbox, teardown, counters, logs) is <see cref="StreamLifecycle"/>'s, the same
/// for every kind.
/// </summary>
internal abstract class StreamProtocol<TRequest>
{
    public abstract StreamKind Kind { get; }

    /// <summary>Admits the request, or refuses it; nothing is kept for a refused one.</summary>
    public abstract ValueTask<StreamAdmission> AdmitAsync(TRequest request);

    /// <summary>A refusal as this protocol puts it on the wire, before the connection closes: by default the stream
    /// port's one line, <c>ERR &lt;code&gt; &lt;text&gt;</c> (docs/viewers.md).</summary>
    public virtual ReadOnlyMemory<byte> Refusal(StreamRefusal refusal)
    {
        var line = new ArrayBufferWriter<byte>();
        ViewerReply.WriteError(line, refusal.Code, refusal.Text);
        return line.WrittenMemory;
    }

    /// <summary>What goes on the wire before the first packet (an HTTP response head); empty for none.</summary>
    public virtual ReadOnlyMemory<byte> Head(TRequest request) => default;
}

/// <summary>A protocol whose connections open with a head the lifecycle reads (a request line, an HTTP request head).</summary>
internal abstract class HeadedStreamProtocol<TRequest> : StreamProtocol<TRequest>
{
    /// <summary>What the head is called in refusals: "request line", "request head".</summary>
    public abstract string HeadName { get; }

    /// <summary>Parses the head the connection opens with (see <see cref="RequestHead.Parser{TRequest}"/>).</summary>
    public abstract OperationStatus TryRead(ref SequenceReader<byte> reader, out TRequest request, out StreamRefusal refusal);
}
