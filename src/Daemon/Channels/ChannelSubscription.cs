using Castd.Protocol;

namespace Castd.Daemon.Channels;

/// <summary>
/// A viewer's hold on the channel name it asked for (see <see cref="ChannelRegistry.Subscribe"/>): the channel once the
/// source has sent it; until then a place in the registry's waiting list; for a name that can never be a live channel
/// id, nothing at all.
/// </summary>
internal sealed class ChannelSubscription(string name, ChannelId? id, ISubscriber subscriber, bool fastStart)
{
    private Channel? _channel;

    public string Name { get; } = name;

    /// <summary>Null for a name that can never go live.</summary>
    public ChannelId? Id { get; } = id;

    public ISubscriber Subscriber { get; } = subscriber;

    /// <summary>The channel this viewer is subscribed to, or null while it waits for the source to send it.</summary>
    public Channel? Channel => Volatile.Read(ref _channel);

    /// <summary>Under the registry's lock, or on a channel that already exists.</summary>
    internal void Attach(Channel channel)
    {
        if (fastStart)
        {
            channel.SubscribeFastStart(Subscriber);
        }
        else
        {
            channel.Subscribe(Subscriber);
        }
        Volatile.Write(ref _channel, channel);
    }
}
