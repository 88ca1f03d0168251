using Castd.Daemon.Channels;

namespace Castd.Daemon.Http;

/// <summary>
/// <c>GET /channels</c>: <c>{"channels":[{"id":"zato01","live":true,"viewers":3}]}</c>, sorted by id, for the watch
/// page's picker and viewer count. Lists every channel the source has sent; a viewer's request creates none.
/// </summary>
internal static class ChannelsEndpoint
{
    /// <summary>Live as watch time counts it: a packet within the live timeout (1 s by default; a source sends one every
    /// ~20 ms of media, docs/source.md, so a second without one is an outage, not jitter).</summary>
    public static IResult Handle(ChannelRegistry channels, TimeProvider time) =>
        Results.Json(
            new ChannelListResponse(channels.All
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .Select(c => new ChannelListItem(c.Name, time.GetTimestamp() < c.LiveUntilTimestamp, c.ViewerCount))
                .ToList()),
            CastdJsonContext.Default.ChannelListResponse);
}
