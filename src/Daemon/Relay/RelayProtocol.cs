using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Castd.Daemon.Auth;
using Castd.Daemon.Channels;
using Castd.Daemon.Streams;
using Castd.Protocol.Viewers;

namespace Castd.Daemon.Relay;

/// <summary>What an edge says when it connects: the relay secret of its <c>RELAY &lt;secret&gt;</c> line, or null.</summary>
internal readonly record struct RelayRequest(string? Secret);

/// <summary>
/// The relay port (docs/relay.md): every connection is a downstream castd that gets all channels, in order, as source
/// frames with the <c>CAST 0x02</c> prefix, from the live point on. It is one more subscriber of every channel, with a
/// viewer's outbox and byte budget, so a slow edge is cut and never delays anyone. With CASTD_RELAY_SECRET an edge
/// first proves itself with the line <c>RELAY &lt;secret&gt;</c> (docs/security.md); without, it says nothing.
/// </summary>
internal sealed class RelayProtocol(ChannelRegistry channels, AuthOptions options, AuthCounters counters) : HeadedStreamProtocol<RelayRequest>
{
    /// <summary>A secret of a few hundred bytes and the word fit; anything longer is not an edge.</summary>
    private const int MaxLineLength = 1024;

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(options.RelaySecret);

    public override StreamKind Kind => StreamKind.Relay;

    public override string HeadName => "relay line";

    /// <summary>Whether an edge must open with a RELAY line.</summary>
    public bool AsksForSecret => _secret.Length > 0;

    /// <summary>Grammar: "RELAY" SP secret [CR] LF, within 1 KiB.</summary>
    public override OperationStatus TryRead(ref SequenceReader<byte> reader, out RelayRequest request, out StreamRefusal refusal)
    {
        request = default;
        refusal = default;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            return reader.Remaining >= MaxLineLength ? Refuse(out refusal) : OperationStatus.NeedMoreData;
        }
        var text = Encoding.UTF8.GetString(line).TrimEnd('\r');
        request = new RelayRequest(line.Length < MaxLineLength && text.StartsWith("RELAY ", StringComparison.Ordinal) ? text["RELAY ".Length..] : null);
        return OperationStatus.Done;
    }

    public override ValueTask<StreamAdmission> AdmitAsync(RelayRequest request)
    {
        if (AsksForSecret && (request.Secret is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Secret), _secret)))
        {
            counters.Count(AuthFailure.BadRelaySecret);
            var (code, text) = AuthFailures.Describe(AuthFailure.BadRelaySecret);
            return ValueTask.FromResult(StreamAdmission.Refuse(code, text));
        }
        return ValueTask.FromResult(new StreamAdmission(new AdmittedRelay(channels), default));
    }

    private OperationStatus Refuse(out StreamRefusal refusal)
    {
        counters.Count(AuthFailure.BadRelaySecret);
        refusal = new StreamRefusal(ViewerReply.TooLong, $"relay line longer than {MaxLineLength} bytes");
        return OperationStatus.InvalidData;
    }

    private sealed class AdmittedRelay(ChannelRegistry channels) : AdmittedStream
    {
        private ISubscriber? _outbox;

        public override WireFormat Format => WireFormat.Relay;

        public override void Join(ISubscriber outbox)
        {
            _outbox = outbox;
            channels.AddRelay(outbox);
        }

        protected override void Release()
        {
            if (_outbox is not null)
            {
                channels.RemoveRelay(_outbox);
            }
        }

        public override string ToString() => "relay edge";
    }
}
