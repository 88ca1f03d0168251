using System.Text.Json;
using System.Text.Json.Serialization;
using Castd.Daemon.Channels;

namespace Castd.Daemon.Http;

internal sealed record UsageResponse(SortedDictionary<string, long> Sessions);

internal sealed record ErrorResponse(string Error);

internal sealed record ReadyResponse(bool Ready, List<string> Problems);

internal sealed record SessionResponse(string Id, string Account, string StreamId, string Status, string? Message, string? Reason);

internal sealed record SessionListItem(string Id, string Kind, string? StreamId, string? Channel, string Status, DateTimeOffset Since);

internal sealed record SessionListResponse(string User, List<SessionListItem> Sessions);

internal sealed record ChannelListItem(string Id, bool Live, int Viewers);

internal sealed record ChannelListResponse(List<ChannelListItem> Channels);

internal sealed record HealthResponse(
    string Status,
    bool SourceConnected,
    long SourceReconnects,
    long SourceProtocolErrors,
    int Viewers,
    List<ChannelHealth> Channels,
    IReadOnlyDictionary<string, long> ViewerDisconnects,
    IReadOnlyDictionary<string, long> ViewerRefusals,
    long HttpPlaybacks,
    int Relays,
    IReadOnlyDictionary<string, long> RelayDisconnects,
    UsageHealth Usage,
    string Auth,
    IReadOnlyDictionary<string, long> AuthRefusals);

/// <summary>What /healthz tells anyone who is not an operator: alive, and whether all is well.</summary>
internal sealed record LivenessResponse(string Status);

/// <summary>Watch time waiting for the store (docs/fleet.md: buffered while it is unreachable, bounded, counted).</summary>
internal sealed record UsageHealth(int BufferedRecords, long DroppedMilliseconds, string? StoreProblem);

/// <param name="FastStart">The GOP cache's state; null when it is off (CASTD_GOP_CACHE_BYTES=0).</param>
internal sealed record ChannelHealth(string Id, int Viewers, long Released, long Lost, long Duplicates, long Late, long Restarts, int Held, FastStartHealth? FastStart)
{
    public static ChannelHealth Of(Channel channel)
    {
        var counters = channel.Ring.Counters;
        var gop = channel.Gop is { } cache ? new FastStartHealth(cache.Count, cache.Bytes, cache.Groups, cache.Overflows, cache.ForeignPayloads) : null;
        return new(channel.Name, channel.ViewerCount, counters.Released, counters.Lost, counters.Duplicates, counters.Late, counters.Restarts, channel.Ring.Held, gop);
    }
}

/// <summary>A channel's GOP cache (docs/playback.md), read from another thread: a moment's snapshot, good enough for an operator.</summary>
internal sealed record FastStartHealth(int Packets, long Bytes, long Groups, long Overflows, long ForeignPayloads);

/// <summary>Source-generated JSON, camelCase as docs/http.md shows (<c>"sessions"</c>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UsageResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(LivenessResponse))]
[JsonSerializable(typeof(ReadyResponse))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(SessionListResponse))]
[JsonSerializable(typeof(ChannelListResponse))]
internal sealed partial class CastdJsonContext : JsonSerializerContext;
