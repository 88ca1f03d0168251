using Castd.Daemon.Channels;
using Castd.Daemon.Chat;
using Castd.Daemon.Diagnostics;
using Castd.Daemon.Hosting;
using Castd.Daemon.Usage;
using Castd.Storage;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Viewers;

/// <summary>What every viewer session needs, resolved once instead of per connection.</summary>
internal sealed class ViewerServices(
    CastdOptions options,
    ChannelRegistry channels,
    ViewerDirectory viewers,
    IStateStore store,
    ISessionStore sessions,
    ViewerCounters counters,
    ChatHub chat,
    DeliveryCounters delivery,
    CastdMetrics metrics,
    TimeProvider time,
    ILogger<ViewerSession> logger)
{
    public CastdOptions Options { get; } = options;
    public ChannelRegistry Channels { get; } = channels;
    public ViewerDirectory Viewers { get; } = viewers;
    public IStateStore Store { get; } = store;
    public ISessionStore Sessions { get; } = sessions;
    public ViewerCounters Counters { get; } = counters;
    public ChatHub Chat { get; } = chat;
    public DeliveryCounters Delivery { get; } = delivery;
    public CastdMetrics Metrics { get; } = metrics;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
}
