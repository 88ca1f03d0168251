using Castd.Daemon.Channels;
using Castd.Daemon.Chat;
using Castd.Daemon.Streams;
using Castd.Daemon.Usage;
using Castd.Protocol;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Viewers;

/// <summary>
/// An admitted viewer, TCP or HTTP: its session holds one of its account's slots; once joined it is subscribed to its
/// channel (or waits for it), accrues watch time and sits in its channel's chat room. Leaving undoes all of it.
/// </summary>
internal sealed class AdmittedViewer(
    SessionInfo session,
    string channel,
    WireFormat format,
    bool fastStart,
    ISessionStore sessions,
    ChannelRegistry channels,
    ViewerDirectory viewers,
    ChatGate chat) : AdmittedStream
{
    private ChannelSubscription? _subscription;
    private ActiveViewer? _viewer;

    public override WireFormat Format => format;

    public override void Join(ISubscriber outbox)
    {
        _subscription = channels.Subscribe(channel, outbox, fastStart);
        _viewer = viewers.Join(session.Account, _subscription);
        if (_subscription.Id is { } room)
        {
            chat.ViewerStarted(session.Account, room);
        }
    }

    /// <remarks>The slot first: once the viewer is gone from the counts, its account may open another stream.</remarks>
    protected override void Release()
    {
        sessions.CloseStream(session);
        if (_subscription is not null)
        {
            channels.Unsubscribe(_subscription);
            viewers.Leave(_viewer!);
        }
    }

    public override string ToString() => $"{session.Account} {channel} ({format}{(fastStart ? ", fast start" : "")})";
}
