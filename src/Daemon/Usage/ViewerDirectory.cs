using System.Collections.Concurrent;
using Castd.Daemon.Channels;

namespace Castd.Daemon.Usage;

/// <summary>The viewers connected right now, and the one place their watch time is moved into the ledger.</summary>
internal sealed class ViewerDirectory(UsageLedger ledger, TimeProvider time)
{
    private readonly ConcurrentDictionary<ActiveViewer, byte> _viewers = new(ReferenceEqualityComparer.Instance);

    public int Count => _viewers.Count;

    public ActiveViewer Join(string userId, ChannelSubscription channel)
    {
        var viewer = new ActiveViewer(userId, channel, time.GetTimestamp());
        _viewers.TryAdd(viewer, 0);
        return viewer;
    }

    public void Leave(ActiveViewer viewer)
    {
        _viewers.TryRemove(viewer, out _);
        Accrue(viewer, time.GetTimestamp());
    }

    /// <summary>Moves every connected viewer's watch time up to now into the ledger.</summary>
    public void AccrueAll()
    {
        var now = time.GetTimestamp();
        foreach (var viewer in _viewers.Keys)
        {
            Accrue(viewer, now);
        }
    }

    private void Accrue(ActiveViewer viewer, long now)
    {
        var watched = viewer.TakeWatched(now);
        if (watched > 0)
        {
            ledger.Add(viewer.UserId, viewer.ChannelName, watched * 1000 / time.TimestampFrequency);
        }
    }
}
