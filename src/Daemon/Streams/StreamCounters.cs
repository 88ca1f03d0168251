using System.Collections.Concurrent;
using System.Globalization;
using Castd.Protocol.Viewers;

namespace Castd.Daemon.Streams;

/// <summary>
/// Every stream connection's counters, for /healthz and /metrics: refusals by code (ERR codes and HTTP statuses share
/// numbers), disconnects by reason for viewers (TCP and HTTP players together) and for relay edges apart, and HTTP
/// playback streams started. Every known code starts at 0, so its series exists (and rates work) before the first refusal.
/// </summary>
internal sealed class StreamCounters
{
    private readonly ConcurrentDictionary<int, long> _refusals = new(
        new[] { ViewerReply.BadRequest, ViewerReply.Unauthorized, ViewerReply.Unregistered, ViewerReply.Timeout, ViewerReply.TooLong, ViewerReply.TooManyStreams, ViewerReply.Unavailable }
            .Select(code => KeyValuePair.Create(code, 0L)));

    private long _httpPlaybacks;

    public DisconnectCounts Viewers { get; } = new();

    public DisconnectCounts Relays { get; } = new();

    /// <summary>HTTP playback streams started (docs/playback.md), whichever way they were served.</summary>
    public long HttpPlaybacks => Interlocked.Read(ref _httpPlaybacks);

    public IReadOnlyDictionary<string, long> Refusals => _refusals.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value);

    public void CountRefusal(int code) => _refusals.AddOrUpdate(code, 1, static (_, n) => n + 1);

    public void CountStarted(StreamKind kind)
    {
        if (kind == StreamKind.Player)
        {
            Interlocked.Increment(ref _httpPlaybacks);
        }
    }

    public void CountDisconnect(StreamKind kind, DisconnectReason reason) =>
        (kind == StreamKind.Relay ? Relays : Viewers).CountDisconnect(reason);
}
