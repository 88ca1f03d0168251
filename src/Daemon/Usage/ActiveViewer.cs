using Castd.Daemon.Channels;

namespace Castd.Daemon.Usage;

/// <summary>A connected viewer as watch-time accounting sees it: whose time, which channel, counted up to when.</summary>
internal sealed class ActiveViewer(string userId, Channel channel, long joinedTimestamp)
{
    private readonly Lock _lock = new();
    private long _countedUntil = joinedTimestamp;

    public string UserId { get; } = userId;

    public Channel Channel { get; } = channel;

    /// <summary>
    /// Watch time since the last call, in timestamp units: only the part while the channel was live, i.e. from when it
    /// last became live up to its last packet plus the live timeout (docs/http.md: seconds connected to a
    /// live channel).
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
            return long.Max(0, long.Min(now, Channel.LiveUntilTimestamp) - long.Max(from, Channel.LiveSinceTimestamp));
        }
    }
}
