using Castd.Daemon.Channels;

namespace Castd.Daemon.Usage;

/// <summary>A connected viewer as watch-time accounting sees it: whose time, which channel, counted up to when.</summary>
internal sealed class ActiveViewer(string userId, ChannelSubscription channel, long joinedTimestamp)
{
    private readonly Lock _lock = new();
    private long _countedUntil = joinedTimestamp;

    public string UserId { get; } = userId;

    public string ChannelName => channel.Name;

    /// <summary>
    /// Watch time since the last call, in timestamp units: only the part while the channel was live, i.e. from when it
    /// last became live up to its last packet plus the live timeout (docs/http.md: seconds connected to a
    /// live channel). Nothing while the channel does not exist: its live time starts with its first packet.
    /// </summary>
    public long TakeWatched(long now)
    {
        lock (_lock)
        {
            var from = _countedUntil;
            if (now <= from)
            {
                return 0;
            }
            _countedUntil = now;
            return channel.Channel is { } live
                ? long.Max(0, long.Min(now, live.LiveUntilTimestamp) - long.Max(from, live.LiveSinceTimestamp))
                : 0;
        }
    }
}
