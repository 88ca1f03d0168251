using System.Collections.Concurrent;
using Castd.Protocol.Viewers;

namespace Castd.Daemon.Viewers;

/// <summary>
/// Viewer disconnects by reason and refusals by ERR code (HTTP playback's statuses share them), for /healthz and /metrics. Every known code starts at 0, so
/// its series exists (and rates work) before the first refusal.
/// </summary>
internal sealed class ViewerCounters : DisconnectCounts
{
    private readonly ConcurrentDictionary<int, long> _refusals = new(
        new[] { ViewerReply.BadRequest, ViewerReply.Unregistered, ViewerReply.Timeout, ViewerReply.TooLong, ViewerReply.TooManyStreams, ViewerReply.Unavailable }
            .Select(code => KeyValuePair.Create(code, 0L)));

    private long _httpPlaybacks;

    /// <summary>HTTP playback streams started (docs/playback.md), whichever way they were served.</summary>
    public long HttpPlaybacks => Interlocked.Read(ref _httpPlaybacks);

    public void CountHttpPlayback() => Interlocked.Increment(ref _httpPlaybacks);

    public void CountRefusal(int code) => _refusals.AddOrUpdate(code, 1, static (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> Refusals => _refusals.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value);
}
