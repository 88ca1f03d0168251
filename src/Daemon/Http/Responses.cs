using System.Text.Json;
using System.Text.Json.Serialization;
using Castd.Daemon.Channels;

namespace Castd.Daemon.Http;

internal sealed record UsageResponse(SortedDictionary<string, long> Sessions);

internal sealed record ErrorResponse(string Error);

internal sealed record HealthResponse(
    string Status,
    bool SourceConnected,
    long SourceReconnects,
    long SourceProtocolErrors,
    int Viewers,
    List<ChannelHealth> Channels,
    IReadOnlyDictionary<string, long> ViewerDisconnects,
    IReadOnlyDictionary<string, long> ViewerRefusals);

internal sealed record ChannelHealth(string Id, int Viewers, long Released, long Lost, long Duplicates, long Late, long Restarts, int Held)
{
    public static ChannelHealth Of(Channel channel)
    {
        var counters = channel.Ring.Counters;
        return new(channel.Name, channel.SubscriberCount, counters.Released, counters.Lost, counters.Duplicates, counters.Late, counters.Restarts, channel.Ring.Held);
    }
}

/// <summary>Source-generated JSON, camelCase as SPEC §4 shows (<c>"sessions"</c>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UsageResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class CastdJsonContext : JsonSerializerContext;
