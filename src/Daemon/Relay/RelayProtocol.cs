using Castd.Daemon.Channels;
using Castd.Daemon.Streams;

namespace Castd.Daemon.Relay;

/// <summary>What a relay connection asks for: everything, so nothing to say yet.</summary>
internal readonly record struct RelayRequest;

/// <summary>
/// The relay port (docs/relay.md): every connection is a downstream castd that gets all channels, in order, as source
/// frames with the <c>CAST 0x02</c> prefix, from the live point on. It is one more subscriber of every channel, with a
/// viewer's outbox and byte budget, so a slow edge is cut and never delays anyone.
/// </summary>
internal sealed class RelayProtocol(ChannelRegistry channels) : StreamProtocol<RelayRequest>
{
    public override StreamKind Kind => StreamKind.Relay;

    public override ValueTask<StreamAdmission> AdmitAsync(RelayRequest request) => ValueTask.FromResult(new StreamAdmission(new AdmittedRelay(channels), default));

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
